#!/bin/busybox sh
# /init of the emulated BMC (PID 1), put into the initramfs by test/bmc/run.sh.
# Loads the AST2600 drivers chassisd needs, sets up the board variant named
# on the kernel command line (chassisd.variant=kernelmux|usermux), brings up
# eth0 for QEMU's user-mode network, walks the chassis once with timing, then
# runs the agent with its log on the console and samples its RSS there.
# Lines for the host start with "BMC: ".
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /tmp /run /var/lib/chassisd && mount -t devpts devpts /dev/pts
up() { cut -d' ' -f1 /proc/uptime; }
variant=usermux
for w in $(cat /proc/cmdline); do
	case "$w" in
	chassisd.variant=*) variant=${w#chassisd.variant=} ;;
	# The EVB's RTC driver is not loaded: take the host's clock, so that
	# the log's times and the TLS certificate's validity make sense.
	chassisd.time=*) date -u -s "@${w#chassisd.time=}" >/dev/null ;;
	esac
done
echo "BMC: init at $(up)s, kernel $(uname -r), variant $variant"
for m in $(cat /etc/modules.list); do
	modprobe "$m" || echo "BMC: modprobe $m failed"
done
echo "BMC: modules loaded at $(up)s"

if [ "$variant" = kernelmux ]; then
	# The EVB's device tree does not declare the chassis' mux: declare it
	# here, as a board's device tree would, so its channels become adapters.
	echo pca9548 0x70 >/sys/bus/i2c/devices/i2c-4/new_device
	for _ in $(seq 50); do [ -e /dev/i2c-19 ] && break; sleep 0.1; done
fi
echo "BMC: i2c adapters: $(ls /dev | grep '^i2c-' | tr '\n' ' ')"

ip link set lo up
if ip link set eth0 up; then
	ip addr add 10.0.2.15/24 dev eth0
	ip route add default via 10.0.2.2
else
	echo "BMC: no eth0"
fi

board=/etc/chassisd/board-$variant.yaml
# One full walk through i2c-aspeed before the agent starts, timed by chassisd.
/chassisd walk --board "$board" -v >/tmp/walk.json 2>/tmp/walk.log
echo "BMC: walk exit $? at $(up)s"
grep -o 'msg="walk done".*' /tmp/walk.log | sed 's/^/BMC: walk /'
grep 'msg="sled found"' /tmp/walk.log | sed 's/^/BMC: walk-sled /'
grep 'level=ERROR' /tmp/walk.log | sed 's/^/BMC: walk-log /'

echo "BMC: starting chassisd at $(up)s"
/chassisd run --board "$board" --listen :8443 --state-dir /var/lib/chassisd \
	--initial-password-file /etc/chassisd/password --poll-interval 1h &
pid=$!
while kill -0 $pid 2>/dev/null; do
	sleep 2
	echo "BMC: rss $(grep VmRSS /proc/$pid/status | tr -s ' \t' ' ') at $(up)s"
done
wait $pid
echo "BMC: chassisd exited with $?"
# PID 1 must not exit (the kernel would panic); the host stops QEMU.
while true; do sleep 3600; done
