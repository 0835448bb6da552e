package live

// DecodeStrict is the strict decoder alone, for comparing with Decode's
// canonical fast path.
var DecodeStrict = decodeStrict
