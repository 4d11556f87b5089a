package gateway

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiters holds each key's token buckets, made from its Limits the first
// time the key is seen and remade when its limits change.
type limiters struct {
	mu sync.Mutex
	by map[int64]*keyLimiter
}

type keyLimiter struct {
	limits   Limits
	requests *rate.Limiter // nil: unlimited
	tokens   *rate.Limiter // nil: unlimited; may run into debt
}

func perMinute(n int) *rate.Limiter {
	if n == 0 {
		return nil
	}
	return rate.NewLimiter(rate.Limit(float64(n)/60), n)
}

func (l *limiters) get(key Key) *keyLimiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.by == nil {
		l.by = map[int64]*keyLimiter{}
	}
	kl := l.by[key.ID]
	if kl == nil || kl.limits != key.Limits {
		kl = &keyLimiter{limits: key.Limits, requests: perMinute(key.Limits.RequestsPerMinute), tokens: perMinute(key.Limits.TokensPerMinute)}
		l.by[key.ID] = kl
	}
	return kl
}

// admit takes one request from the key's request bucket, if the token
// bucket is not in debt; otherwise it says how long to wait.
func (kl *keyLimiter) admit(now time.Time) (ok bool, retryAfter time.Duration, what string) {
	if kl.tokens != nil {
		if t := kl.tokens.TokensAt(now); t < 1 {
			return false, waitFor(1-t, kl.tokens.Limit()), "tokens per minute"
		}
	}
	if kl.requests != nil {
		r := kl.requests.ReserveN(now, 1)
		if d := r.DelayFrom(now); d > 0 {
			r.CancelAt(now)
			return false, d, "requests per minute"
		}
	}
	return true, 0, ""
}

// charge takes the tokens a request used from the token bucket, running
// into debt (up to a minute's worth) rather than refusing what was served.
func (kl *keyLimiter) charge(now time.Time, tokens int) {
	if kl.tokens == nil || tokens <= 0 {
		return
	}
	kl.tokens.ReserveN(now, min(tokens, kl.tokens.Burst()))
}

func waitFor(tokens float64, perSecond rate.Limit) time.Duration {
	return time.Duration(math.Ceil(tokens / float64(perSecond) * float64(time.Second)))
}
