package auth

// CachedTokens is the number of verified tokens the verifier remembers.
func (v *Verifier) CachedTokens() int { return v.cache.len() }
