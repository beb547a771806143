package mctp

// Packetize splits a message into packets of at most mtu payload bytes, each
// with its own copy of h: SOM on the first, EOM on the last, the sequence
// number counting from h.Seq modulo 4. An mtu below 1 means the baseline 64.
// An empty message still yields one packet (SOM and EOM, no payload), which
// a receiver rejects; callers always send at least the message type byte.
func Packetize(h Header, msg []byte, mtu int) [][]byte {
	if mtu < 1 {
		mtu = BaselineMTU
	}
	n := (len(msg) + mtu - 1) / mtu
	if n == 0 {
		n = 1
	}
	pkts := make([][]byte, 0, n)
	seq := h.Seq & seqMask
	for i := range n {
		end := min((i+1)*mtu, len(msg))
		chunk := msg[i*mtu : end]
		ph := h
		ph.SOM = i == 0
		ph.EOM = i == n-1
		ph.Seq = seq
		seq = (seq + 1) % seqModulo
		p := make([]byte, 0, HeaderLen+len(chunk))
		pkts = append(pkts, append(ph.Append(p), chunk...))
	}
	return pkts
}
