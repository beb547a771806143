package main

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// redfishClient talks to the agent in the guest. The guest's certificate
// is self-signed at first start, so it is not verified: the test is about
// what the agent reports, and the connection never leaves loopback.
// It logs in once and uses the session token, because every Basic-auth
// request would cost a bcrypt comparison on an emulated Cortex-A7.
type redfishClient struct {
	base  string
	token string
	http  *http.Client
}

func newRedfishClient(base string) *redfishClient {
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // self-signed, loopback only
	return &redfishClient{base: base, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// login opens a session as user.
func (c *redfishClient) login(user, password string) error {
	body, _ := json.Marshal(map[string]string{"UserName": user, "Password": password})
	resp, err := c.http.Post(c.base+"/redfish/v1/SessionService/Sessions", "application/json", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("login: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("login: %s", resp.Status)
	}
	c.token = resp.Header.Get("X-Auth-Token")
	if c.token == "" {
		return fmt.Errorf("login: no X-Auth-Token in the answer")
	}
	return nil
}

// get fetches a resource and decodes it into v (when v is not nil). It
// returns the HTTP status; a status other than 200 is not an error here.
func (c *redfishClient) get(path string, v any) (int, error) {
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		return 0, err
	}
	if c.token != "" {
		req.Header.Set("X-Auth-Token", c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("GET %s: %w", path, err)
	}
	if resp.StatusCode == http.StatusOK && v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			return resp.StatusCode, fmt.Errorf("GET %s: %w", path, err)
		}
	}
	return resp.StatusCode, nil
}

// sledChassis is the part of Chassis/Sled<N> the cases look at.
type sledChassis struct {
	Manufacturer string
	Model        string
	PartNumber   string
	SerialNumber string
	Status       struct{ State, Health string }
	Oem          struct {
		Chassisd struct {
			Sideband string
			Problems []struct{ Health, Message string }
		}
	}
}

type sensor struct {
	Reading *float64
}

type collection struct {
	Members []struct {
		ID string `json:"@odata.id"`
	}
}
