package regweb

import (
	"sync"
	"time"
)

// Rate is how many requests a key may make: Burst at once, then one every
// Every.
type Rate struct {
	Burst int
	Every time.Duration
}

// limiter is a token bucket per key on an injected clock. It forgets keys
// whose bucket is full again, so its memory is bounded by the keys active
// within Burst×Every.
type limiter struct {
	rate    Rate
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxKeys bounds the limiter's memory under a flood of distinct keys: past
// it, every new key is refused until the next sweep.
const maxKeys = 100_000

func newLimiter(r Rate, now func() time.Time) *limiter {
	return &limiter{rate: r, now: now, buckets: map[string]*bucket{}}
}

// allow takes one token from key's bucket, reporting whether there was one.
func (l *limiter) allow(key string) bool {
	if l.rate.Burst <= 0 {
		return true
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	full := time.Duration(l.rate.Burst) * l.rate.Every
	if now.Sub(l.sweep) > full {
		for k, b := range l.buckets {
			if now.Sub(b.at) >= full {
				delete(l.buckets, k)
			}
		}
		l.sweep = now
	}
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxKeys {
			return false
		}
		b = &bucket{tokens: float64(l.rate.Burst), at: now}
		l.buckets[key] = b
	}
	if el := now.Sub(b.at); el > 0 && l.rate.Every > 0 {
		b.tokens = min(float64(l.rate.Burst), b.tokens+float64(el)/float64(l.rate.Every))
	}
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
