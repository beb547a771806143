package interposer

import (
	"testing"
)

func TestRoutingValue(t *testing.T) {
	a := rt(map[string][]int{"Host 1": {24}, "Host 0": {17, 16, 17}, "Host 2": {}})
	cases := []struct {
		name string
		got  Routing
		want string
	}{
		{"canonical form", a.Clone(), `"Host 0": 16 17; "Host 1": 24`},
		{"empty", Routing{}, "no drives routed"},
		{"only empty hosts", rt(map[string][]int{"Host 0": nil}), "no drives routed"},
		{"with a new port", a.With("Host 1", 18), `"Host 0": 16 17; "Host 1": 18 24`},
		{"with a new host", a.With("Host 9", 3), `"Host 0": 16 17; "Host 1": 24; "Host 9": 3`},
		{"with a port it has", a.With("Host 0", 16), `"Host 0": 16 17; "Host 1": 24`},
		{"with does not move", a.With("Host 1", 16), `"Host 0": 16 17; "Host 1": 16 24`},
		{"without", a.Without("Host 0", 17), `"Host 0": 16; "Host 1": 24`},
		{"without the last port", a.Without("Host 1", 24), `"Host 0": 16 17`},
		{"without an unrouted port", a.Without("Host 1", 16), `"Host 0": 16 17; "Host 1": 24`},
		{"without on an unknown host", a.Without("Host 7", 16), `"Host 0": 16 17; "Host 1": 24`},
	}
	for _, tc := range cases {
		if s := tc.got.String(); s != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, s, tc.want)
		}
	}
	if s := a.String(); s != `"Host 0": 16 17; "Host 1": 24` {
		t.Errorf("methods changed the receiver: %s", s)
	}
}

func TestRoutingEqual(t *testing.T) {
	cases := []struct {
		a, b Routing
		want bool
	}{
		{Routing{}, rt(map[string][]int{}), true},
		{Routing{}, rt(map[string][]int{"Host 0": {}}), true},
		{rt(map[string][]int{"Host 0": {2, 1, 1}}), rt(map[string][]int{"Host 0": {1, 2}}), true},
		{rt(map[string][]int{"Host 0": {1}}), rt(map[string][]int{"Host 1": {1}}), false},
		{rt(map[string][]int{"Host 0": {1}}), rt(map[string][]int{"Host 0": {1, 2}}), false},
		{rt(map[string][]int{"Host 0": {1}}), Routing{}, false},
	}
	for _, tc := range cases {
		if got := tc.a.Equal(tc.b); got != tc.want || tc.b.Equal(tc.a) != tc.want {
			t.Errorf("%v Equal %v = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestRoutingCloneIsDeep(t *testing.T) {
	a := rt(map[string][]int{"Host 0": {1, 2}})
	c := a.Clone()
	c.Hosts["Host 0"][0] = 9
	c.Hosts["Host 1"] = []int{3}
	if a.String() != `"Host 0": 1 2` {
		t.Errorf("changing a clone changed the original: %v", a)
	}
}

func TestHostOf(t *testing.T) {
	a := rt(map[string][]int{"Host 0": {16}, "Host 1": {17}})
	if h, ok := a.HostOf(17); !ok || h != "Host 1" {
		t.Errorf("HostOf(17) = %q, %v", h, ok)
	}
	if h, ok := a.HostOf(18); ok {
		t.Errorf("HostOf(18) = %q", h)
	}
}

func TestDriftString(t *testing.T) {
	d := Drift{
		Found: rt(map[string][]int{"Host 1": {16}}),
		Want:  rt(map[string][]int{"Host 0": {16}}),
		Stray: []Binding{{Partition: 5, Logical: 1, Phys: 19}},
	}
	want := `switch held "Host 1": 16, set to "Host 0": 16; removed drive port 19 from partition 5`
	if !d.Drifted() || d.String() != want {
		t.Errorf("Drift = %v %q\nwant %q", d.Drifted(), d.String(), want)
	}
	same := Drift{Found: d.Want, Want: d.Want}
	if same.Drifted() || same.String() != `switch matches the routing: "Host 0": 16` {
		t.Errorf("no drift = %v %q", same.Drifted(), same.String())
	}
}
