package access

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strings"
)

// Keys are the API keys clients may send, each with a role and a name. An
// entry (a line of the keys file, or an item of --api-keys) is
//
//	KEY [ROLE [NAME]]
//
// ROLE is viewer (the default) or operator; NAME is what audit lines call
// the key (default: "key-" and the start of the key's SHA-256). Keys are
// kept as digests and compared in constant time.
type Keys struct {
	keys    []key
	secrets []string
}

type key struct {
	digest [32]byte
	role   Role
	name   string
}

// ParseKeys reads entries; empty ones are skipped.
func ParseKeys(entries []string) (*Keys, error) {
	k := &Keys{}
	for _, e := range entries {
		fields := strings.Fields(e)
		if len(fields) == 0 {
			continue
		}
		if len(fields) > 3 {
			return nil, fmt.Errorf("an API key entry is KEY [ROLE [NAME]]; one has %d fields", len(fields))
		}
		d := sha256.Sum256([]byte(fields[0]))
		entry := key{digest: d, role: Viewer, name: "key-" + hex.EncodeToString(d[:4])}
		if len(fields) > 1 {
			role, ok := ParseRole(fields[1])
			if !ok {
				return nil, fmt.Errorf("API key %s: role %q is neither viewer nor operator", entry.name, fields[1])
			}
			entry.role = role
		}
		if len(fields) > 2 {
			entry.name = fields[2]
		}
		k.keys = append(k.keys, entry)
		k.secrets = append(k.secrets, fields[0])
	}
	return k, nil
}

// Len is how many keys there are.
func (k *Keys) Len() int {
	if k == nil {
		return 0
	}
	return len(k.keys)
}

// Secrets are the keys themselves, for the logger to redact.
func (k *Keys) Secrets() []string { return k.secrets }

// Find returns the caller a key belongs to.
func (k *Keys) Find(secret string) (Caller, bool) {
	if k == nil || secret == "" {
		return Caller{}, false
	}
	d := sha256.Sum256([]byte(secret))
	found := -1
	for i := range k.keys {
		if subtle.ConstantTimeCompare(d[:], k.keys[i].digest[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return Caller{}, false
	}
	return Caller{Name: k.keys[found].name, Role: k.keys[found].role, Via: ViaAPIKey}, true
}
