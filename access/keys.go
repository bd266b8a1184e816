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

// ParseKeys reads entries; empty ones are skipped. Names must be unique
// (they are who the audit log says acted), and so must keys. An error never
// quotes what an entry holds: a mistyped entry may have a key where its role
// or name should be.
func ParseKeys(entries []string) (*Keys, error) {
	k := &Keys{}
	names, digests := map[string]int{}, map[[32]byte]int{} // -> the entry that has it
	for i, e := range entries {
		fields := strings.Fields(e)
		if len(fields) == 0 {
			continue
		}
		d := sha256.Sum256([]byte(fields[0]))
		entry := key{digest: d, role: Viewer, name: "key-" + hex.EncodeToString(d[:4])}
		if len(fields) > 3 {
			return nil, fmt.Errorf("API key entry %d (%s) has %d fields; an entry is KEY [ROLE [NAME]], entries separated by commas or lines", i+1, entry.name, len(fields))
		}
		if len(fields) > 1 {
			role, ok := ParseRole(fields[1])
			if !ok {
				return nil, fmt.Errorf("API key entry %d (%s): its second field is not a role: viewer, operator, restore-operator, or several joined by + (an entry is KEY [ROLE [NAME]], entries separated by commas or lines)", i+1, entry.name)
			}
			entry.role = role
		}
		if len(fields) > 2 {
			entry.name = fields[2]
		}
		if other, dup := digests[d]; dup {
			return nil, fmt.Errorf("API key entries %d and %d have the same key", other, i+1)
		}
		if other, dup := names[entry.name]; dup {
			return nil, fmt.Errorf("API key entries %d and %d have the same name: names must be unique, they are who the audit log says acted", other, i+1)
		}
		names[entry.name], digests[d] = i+1, i+1
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
	return Caller{Name: k.keys[found].name, ID: "api-key:" + hex.EncodeToString(d[:]), Role: k.keys[found].role, Via: ViaAPIKey}, true
}
