package redfish

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// PATCH of a manager EthernetInterface: host name, static name servers,
// static IPv4 addresses and DHCPv4, all checked before any is applied, then
// applied through the image's applier (netsettings.go) and kept.

// networkWritable are the properties PATCH takes when an applier is set,
// in the order @Redfish.WriteableProperties lists them. NameServers and
// IPv4Addresses are the OCP Baseline profile's names for what the schema
// calls StaticNameServers and IPv4StaticAddresses: the profile requires
// them writable, so a PATCH of either sets the static list.
var networkWritable = []string{
	"HostName", "FQDN", "StaticNameServers", "NameServers",
	"IPv4StaticAddresses", "IPv4Addresses", "DHCPv4",
}

// ethernetReadOnly are the other properties the resource shows.
var ethernetReadOnly = []string{
	"Id", "Name", "Description", "Status", "InterfaceEnabled", "LinkStatus",
	"MACAddress", "SpeedMbps", "MTUSize", "IPv6Addresses",
}

// dhcpv4ReadOnly are DHCPv4Configuration properties chassisd has no
// setting for.
var dhcpv4ReadOnly = []string{"UseDNSServers", "UseDomainName", "UseGateway", "UseNTPServers", "UseStaticRoutes", "FallbackAddress"}

func (s *Service) patchEthernetInterface(rc *reqCtx, r *http.Request, body *props) (*reply, error) {
	if rc.snap == nil {
		return nil, errNotFound(rc.path)
	}
	iface := rc.params[0]
	hn, err := s.hostNetwork()
	if err != nil {
		return nil, err
	}
	idx := slices.IndexFunc(hn.Interfaces, func(h hostInterface) bool { return h.Name == iface })
	if idx < 0 {
		return nil, errNotFound(rc.path)
	}
	s.net.patchMu.Lock()
	defer s.net.patchMu.Unlock()
	cur, apply := s.networkSettings(iface)
	next := cur
	if apply != nil {
		liveName, _ := s.ocp.network()
		next = readNetworkPatch(body, cur, liveName)
	} else {
		body.readOnly(networkWritable...)
	}
	body.readOnly(ethernetReadOnly...)
	if e := body.done(); e != nil {
		return nil, e
	}
	if body.empty() {
		return nil, errNoOperation()
	}
	if !reflect.DeepEqual(cur, next) {
		// The request may end (a client gives up) while the image is
		// still applying: only the timeout stops the applier.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), networkApplyTimeout)
		err := apply(ctx, iface, cloneSettings(next))
		cancel()
		if err != nil {
			s.log.Error("network settings not applied; kept as they were", "interface", iface, "user", rc.who.user, "err", err)
			if errors.Is(err, context.DeadlineExceeded) {
				return nil, &apiError{status: http.StatusInternalServerError, msg: msgOperationTimeout}
			}
			return nil, &apiError{status: http.StatusInternalServerError, msg: msgOperationFailed}
		}
		if err := s.saveNetwork(iface, next); err != nil {
			s.log.Error("network settings applied but not saved: the state directory still has the previous ones",
				"interface", iface, "err", err)
			return nil, err
		}
		logNetworkChange(s.log, rc.who, iface, next)
	}
	res, err := s.renderEthernet(hn, hn.Interfaces[idx])
	if err != nil {
		return nil, err
	}
	return &reply{res: res}, nil
}

// readNetworkPatch reads the writable properties of body onto cur and
// returns the result, every problem reported through body. liveName is the
// host name the kernel has, for the domain when only HostName is given and
// none was set before.
func readNetworkPatch(body *props, cur NetworkSettings, liveName string) NetworkSettings {
	next := cloneSettings(cur)
	readHostNames(body, &next, cur, liveName)
	if name, ok := oneOf(body, "StaticNameServers", "NameServers"); ok {
		if ns, ok := readNameServers(body, name, cur.StaticNameServers); ok {
			next.StaticNameServers = ns
		}
	}
	if name, ok := oneOf(body, "IPv4StaticAddresses", "IPv4Addresses"); ok {
		if list, ok := readIPv4Static(body, name, cur.IPv4StaticAddresses); ok {
			next.IPv4StaticAddresses = list
		}
	}
	if d, ok := body.object("DHCPv4"); ok {
		if on, ok := d.boolean("DHCPEnabled"); ok {
			next.DHCPv4Enabled = &on
		}
		d.readOnly(dhcpv4ReadOnly...)
	}
	return next
}

// readHostNames reads HostName and FQDN. Given alone, HostName keeps the
// domain and FQDN sets both; given together, they must name the same host.
func readHostNames(body *props, next *NetworkSettings, cur NetworkSettings, liveName string) {
	host, hasHost := body.str("HostName")
	if hasHost && !validHostLabel(host) {
		body.fail(msgPropertyValueFormatError, clientString(host), "HostName")
		hasHost = false
	}
	fqdn, hasFQDN := body.str("FQDN")
	if hasFQDN {
		fqdn = strings.TrimSuffix(fqdn, ".")
		if !validFQDN(fqdn) {
			body.fail(msgPropertyValueFormatError, clientString(fqdn), "FQDN")
			hasFQDN = false
		}
	}
	switch {
	case hasHost && hasFQDN:
		if !strings.EqualFold(firstLabel(fqdn), host) {
			body.fail(msgPropertyValueConflict, "FQDN", "HostName")
			return
		}
		next.HostName, next.FQDN = host, fqdn
	case hasFQDN:
		next.HostName, next.FQDN = firstLabel(fqdn), fqdn
	case hasHost:
		domain := domainOf(cur.FQDN)
		if cur.FQDN == "" {
			domain = domainOf(liveName)
		}
		full := host
		if domain != "" {
			full += "." + domain
		}
		if !validFQDN(full) {
			body.fail(msgPropertyValueFormatError, clientString(host), "HostName")
			return
		}
		next.HostName, next.FQDN = host, full
	}
}

// oneOf returns which of the two names of one setting the body gives; both
// at once is a conflict.
func oneOf(body *props, name, alias string) (string, bool) {
	switch hasName, hasAlias := body.has(name), body.has(alias); {
	case hasName && hasAlias:
		body.raw(name)
		body.raw(alias)
		body.fail(msgPropertyValueConflict, alias, name)
		return "", false
	case hasName:
		return name, true
	case hasAlias:
		return alias, true
	}
	return "", false
}

// arrayElement is one element of an array property in a PATCH that is
// not removed.
type arrayElement struct {
	index int             // position in the request
	keep  bool            // {}: current element index unchanged
	value json.RawMessage // otherwise the new value (never null)
}

// readArrayPatch reads an array property of a PATCH the DSP0266 way
// ("PATCH on array properties"): element i is null to remove current
// element i, {} to keep it as it is, or a new value for it; current
// elements past the end of the request are removed. have is the length of
// the current array, limit the most elements the result may have.
func readArrayPatch(body *props, name string, limit, have int) ([]arrayElement, bool) {
	v, ok := body.value(name)
	if !ok {
		return nil, false
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(v, &elems); err != nil || elems == nil {
		body.typeError(name, v)
		return nil, false
	}
	var out []arrayElement
	for i, e := range elems {
		e = bytes.TrimSpace(e)
		switch {
		case bytes.Equal(e, []byte("null")):
		case isEmptyObject(e):
			if i < have {
				out = append(out, arrayElement{index: i, keep: true})
			}
		default:
			out = append(out, arrayElement{index: i, value: e})
		}
	}
	if len(out) > limit {
		body.fail(msgArraySizeTooLong, name, strconv.Itoa(limit))
		return nil, false
	}
	return out, true
}

func isEmptyObject(v json.RawMessage) bool {
	var m map[string]json.RawMessage
	return len(v) > 0 && v[0] == '{' && json.Unmarshal(v, &m) == nil && len(m) == 0
}

// readNameServers reads StaticNameServers (or its alias) onto cur.
func readNameServers(body *props, name string, cur []string) ([]string, bool) {
	elems, ok := readArrayPatch(body, name, maxStaticNameServers, len(cur))
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(elems))
	good := true
	for _, e := range elems {
		if e.keep {
			out = append(out, cur[e.index])
			continue
		}
		path := name + "/" + strconv.Itoa(e.index)
		var s string
		if err := json.Unmarshal(e.value, &s); err != nil {
			body.fail(msgPropertyValueTypeError, shortValue(e.value), path)
			good = false
			continue
		}
		a, ok := parseNameServer(s)
		if !ok {
			body.fail(msgPropertyValueFormatError, clientString(s), path)
			good = false
			continue
		}
		out = append(out, a.String())
	}
	return out, good
}

// readIPv4Static reads IPv4StaticAddresses (or its alias) onto cur. An
// element that changes a current one changes only the properties it gives;
// a new one needs Address and SubnetMask.
func readIPv4Static(body *props, name string, cur []IPv4StaticAddress) ([]IPv4StaticAddress, bool) {
	elems, ok := readArrayPatch(body, name, maxIPv4StaticAddresses, len(cur))
	if !ok {
		return nil, false
	}
	out := make([]IPv4StaticAddress, 0, len(elems))
	paths := make([]string, 0, len(elems))
	good := true
	for _, e := range elems {
		path := name + "/" + strconv.Itoa(e.index)
		if e.keep {
			out = append(out, cur[e.index])
			paths = append(paths, path)
			continue
		}
		el, ok := body.element(path, e.value)
		if !ok {
			good = false
			continue
		}
		var a IPv4StaticAddress
		if e.index < len(cur) {
			a = cur[e.index]
		} else if !el.require("Address", "SubnetMask") {
			good = false
		}
		if v, ok := el.str("Address"); ok {
			a.Address = v
		} else if el.has("Address") {
			good = false
		}
		if v, ok := el.str("SubnetMask"); ok {
			a.SubnetMask = v
		} else if el.has("SubnetMask") {
			good = false
		}
		if gw, ok := readGateway(el); ok {
			a.Gateway = gw
		} else if el.has("Gateway") {
			good = false
		}
		if v, ok := el.raw("AddressOrigin"); ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			if _, ok := el.enum("AddressOrigin", "Static"); !ok {
				good = false
			}
		}
		out = append(out, a)
		paths = append(paths, path)
	}
	if !good {
		return nil, false
	}
	before := len(*body.errList())
	checkIPv4Static(body, out, paths)
	return out, len(*body.errList()) == before
}

// readGateway reads an address's Gateway: a dotted quad, or null, "" or
// 0.0.0.0 for none (the last is how many BMCs show "none", and clients
// send back what they read).
func readGateway(el *props) (string, bool) {
	v, ok := el.raw("Gateway")
	if !ok {
		return "", false
	}
	if bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
		return "", true
	}
	gw, ok := el.str("Gateway")
	if !ok {
		return "", false
	}
	if gw == "0.0.0.0" {
		gw = ""
	}
	return gw, true
}

// element reads one object element of an array property; path names it
// ("IPv4StaticAddresses/2"), and its errors join the body's.
func (p *props) element(path string, v json.RawMessage) (*props, bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(v, &m); err != nil || m == nil {
		p.fail(msgPropertyValueTypeError, shortValue(v), p.name(path))
		return nil, false
	}
	c := &props{prefix: p.name(path), m: m, used: map[string]bool{}, errs: p.errList()}
	p.children = append(p.children, c)
	return c, true
}

// errList returns the shared list of problems, making it if needed.
func (p *props) errList() *[]msgEntry {
	if p.errs == nil {
		p.errs = &[]msgEntry{}
	}
	return p.errs
}

// cloneSettings copies ns so that changing the copy's lists leaves ns as
// it is; nil lists stay nil ("never set").
func cloneSettings(ns NetworkSettings) NetworkSettings {
	out := ns
	out.StaticNameServers = slices.Clone(ns.StaticNameServers)
	out.IPv4StaticAddresses = slices.Clone(ns.IPv4StaticAddresses)
	if ns.DHCPv4Enabled != nil {
		v := *ns.DHCPv4Enabled
		out.DHCPv4Enabled = &v
	}
	return out
}
