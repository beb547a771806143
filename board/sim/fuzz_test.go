package sim

import "testing"

// FuzzParseScenario feeds arbitrary files to the scenario parser and, when
// one parses, builds a chassis from it: neither may panic, and a scenario
// that parses may only fail to build for board reasons (unknown bay or
// slot, an image too big for the part).
func FuzzParseScenario(f *testing.F) {
	f.Add([]byte(goodScenario))
	f.Add(defaultScenario)
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := ParseScenario("fuzz.yaml", data)
		if err != nil {
			return
		}
		c, err := New(testBoard(), sc, Options{})
		if err != nil {
			return
		}
		_ = c.State()
	})
}
