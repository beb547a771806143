package redfish

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// A queried response is the resource's rendered body, decoded, changed and
// encoded again. encoding/json's map[string]any would sort the properties;
// jsonObject keeps them in the order the resource put them, so a $select or
// $expand reads like the plain resource.

// maxQueryJSONDepth bounds the nesting decodeObject follows. The service's own
// bodies nest a few levels; the bound keeps the recursion finite whatever
// a body holds.
const maxQueryJSONDepth = 64

// jsonObject is a decoded JSON object that remembers its key order. Values
// are *jsonObject, []any, string, json.Number, bool or nil.
type jsonObject struct {
	keys []string
	vals map[string]any
}

// set replaces the value of k, or appends k.
func (o *jsonObject) set(k string, v any) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

// insertAfter sets k to v placed right after the key after (or at the end
// when after is absent). k must not be present yet.
func (o *jsonObject) insertAfter(after, k string, v any) {
	if _, ok := o.vals[k]; ok {
		o.vals[k] = v
		return
	}
	o.vals[k] = v
	for i, key := range o.keys {
		if key == after {
			o.keys = append(o.keys[:i+1], append([]string{k}, o.keys[i+1:]...)...)
			return
		}
	}
	o.keys = append(o.keys, k)
}

// remove deletes k if present.
func (o *jsonObject) remove(k string) {
	if _, ok := o.vals[k]; !ok {
		return
	}
	delete(o.vals, k)
	for i, key := range o.keys {
		if key == k {
			o.keys = append(o.keys[:i], o.keys[i+1:]...)
			return
		}
	}
}

var errNotObject = errors.New("JSON body is not an object")

// decodeObject decodes a JSON object, keeping key order and numbers as
// written.
func decodeObject(b []byte) (*jsonObject, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := decodeValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("decode JSON: data after the value at offset %d", dec.InputOffset())
	}
	o, ok := v.(*jsonObject)
	if !ok {
		return nil, errNotObject
	}
	return o, nil
}

func decodeValue(dec *json.Decoder, depth int) (any, error) {
	if depth > maxQueryJSONDepth {
		return nil, fmt.Errorf("decode JSON: nested deeper than %d at offset %d", maxQueryJSONDepth, dec.InputOffset())
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("decode JSON: %w", err)
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	switch d {
	case '{':
		o := &jsonObject{vals: map[string]any{}}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, fmt.Errorf("decode JSON: %w", err)
			}
			k, ok := kt.(string)
			if !ok {
				return nil, fmt.Errorf("decode JSON: object key %v at offset %d is not a string", kt, dec.InputOffset())
			}
			v, err := decodeValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			o.set(k, v)
		}
		if _, err := dec.Token(); err != nil { // '}'
			return nil, fmt.Errorf("decode JSON: %w", err)
		}
		return o, nil
	case '[':
		a := []any{}
		for dec.More() {
			v, err := decodeValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		if _, err := dec.Token(); err != nil { // ']'
			return nil, fmt.Errorf("decode JSON: %w", err)
		}
		return a, nil
	}
	return nil, fmt.Errorf("decode JSON: unexpected %v at offset %d", d, dec.InputOffset())
}

// encodeIndented renders v like renderJSON does: two-space indentation and
// a final newline.
func encodeIndented(v any) ([]byte, error) {
	var compact bytes.Buffer
	if err := appendJSON(&compact, v); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Grow(compact.Len() * 2)
	if err := json.Indent(&out, compact.Bytes(), "", "  "); err != nil {
		return nil, fmt.Errorf("encode JSON: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// appendJSON writes v compactly.
func appendJSON(b *bytes.Buffer, v any) error {
	switch t := v.(type) {
	case *jsonObject:
		b.WriteByte('{')
		for i, k := range t.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := appendJSON(b, k); err != nil {
				return err
			}
			b.WriteByte(':')
			if err := appendJSON(b, t.vals[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := appendJSON(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case json.Number:
		b.WriteString(string(t))
	default:
		// Strings, booleans and null: encoding/json writes them exactly
		// as renderJSON did, HTML escaping included.
		enc, err := json.Marshal(t)
		if err != nil {
			return fmt.Errorf("encode JSON: %w", err)
		}
		b.Write(enc)
	}
	return nil
}
