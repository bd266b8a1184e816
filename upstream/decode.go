package upstream

import segjson "github.com/segmentio/encoding/json"

// decodeJSON decodes the upstream's answers. segmentio/encoding's decoder
// keeps encoding/json's behaviour (FuzzDecodersAgree holds it to that on our
// wire types) at about a third of its cost: BenchmarkDecoders measures it
// against encoding/json, goccy/go-json and bytedance/sonic on a page of 50
// sessions. Small bodies of our own (tokens, error details) stay with
// encoding/json.
func decodeJSON(body []byte, v any) error { return segjson.Unmarshal(body, v) }
