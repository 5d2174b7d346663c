package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/go-redis/redis_rate/v10"
)

// redisPrefix is what redis_rate puts before every key; the multi-key script
// uses it too so that both read and write the same GCRA state.
const redisPrefix = "rate:"

// Result is the state of one limit after a request.
type Result struct {
	Limit redis_rate.Limit
	// Allowed reports whether the request was within this limit.
	Allowed bool
	// Remaining is how many more requests this limit allows right now:
	// exactly Burst-1 after the first request of a fresh budget.
	Remaining int
	// RetryAfter is how long until a denied request would be allowed; -1 when
	// allowed.
	RetryAfter time.Duration
	// ResetAfter is how long until the budget is full again.
	ResetAfter time.Duration
}

// spend is one limit to charge: its key (without redisPrefix), limit and cost.
type spend struct {
	key   string
	limit redis_rate.Limit
	cost  int
}

// charge spends every limit in one Redis round trip, all or nothing: if one
// limit denies, none is spent. It returns one Result per spend. A single
// request against one limit shares its round trip with the other requests on
// that key waiting at the time (chargeCoalesced).
func (l *Limiter) charge(ctx context.Context, spends []spend) ([]Result, error) {
	if len(spends) == 1 && spends[0].cost == 1 && !l.batches.off {
		res, err := l.chargeCoalesced(ctx, spends[0].key, spends[0].limit)
		if err != nil {
			return nil, err
		}
		return []Result{res}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	if len(spends) == 1 {
		s := spends[0]
		res, err := l.rr.AllowN(ctx, s.key, s.limit, s.cost)
		if err != nil {
			return nil, fmt.Errorf("redis_rate allow %s: %w", s.key, err)
		}
		return []Result{result(s.limit, res.Allowed > 0, res.RetryAfter, res.ResetAfter)}, nil
	}
	keys := make([]string, len(spends))
	args := make([]any, 0, 4*len(spends))
	for i, s := range spends {
		keys[i] = redisPrefix + s.key
		// The same arguments, and so the same floating-point maths, as redis_rate.
		args = append(args, s.limit.Burst, s.limit.Rate, s.limit.Period.Seconds(), s.cost)
	}
	reply, err := l.multi.Run(ctx, l.rdb, keys, args...).Slice()
	if err != nil {
		return nil, fmt.Errorf("multi-key GCRA %v: %w", keys, err)
	}
	return parseMulti(spends, reply)
}

// parseMulti reads the script's reply: allowed, retry_after and reset_after
// (seconds, as strings) for each key.
func parseMulti(spends []spend, reply []any) ([]Result, error) {
	if len(reply) != 3*len(spends) {
		return nil, fmt.Errorf("multi-key GCRA: %d values for %d keys", len(reply), len(spends))
	}
	out := make([]Result, len(spends))
	for i, s := range spends {
		allowed, _ := reply[3*i].(int64)
		retry, err1 := seconds(reply[3*i+1])
		reset, err2 := seconds(reply[3*i+2])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("multi-key GCRA: bad reply %v", reply)
		}
		out[i] = result(s.limit, allowed > 0, retry, reset)
	}
	return out, nil
}

func seconds(v any) (time.Duration, error) {
	s, _ := v.(string)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("parse seconds %q: %w", s, err)
	}
	if f == -1 {
		return -1, nil
	}
	return time.Duration(f * float64(time.Second)), nil
}

// result builds a Result with an exact Remaining. redis_rate's own Remaining
// truncates a float quotient: the first request of 1000 leaves 998.99999…,
// so it reports 998. The GCRA state says exactly how many requests are still
// owed: ResetAfter is that many emission intervals less the time that has
// passed since. Rounding it up to whole intervals gives the exact count,
// after taking off a tolerance far above the float error (the state is
// seconds since 2017 as a double: ~60 ns per step, tens of µs over a whole
// budget) and far below an interval (3.6 s at 1000/h): 1 ms, or a thousandth
// of the interval if that is less. All the tolerance does is count a request
// that regains its slot within that millisecond as regained already.
func result(lim redis_rate.Limit, allowed bool, retryAfter, resetAfter time.Duration) Result {
	r := Result{Limit: lim, Allowed: allowed, RetryAfter: retryAfter, ResetAfter: resetAfter}
	if !allowed {
		return r
	}
	r.RetryAfter = -1
	interval := lim.Period / time.Duration(lim.Rate)
	owed := int64(0)
	if t := resetAfter - min(time.Millisecond, interval/1000); t > 0 {
		owed = (int64(t) + int64(interval) - 1) / int64(interval)
	}
	r.Remaining = int(max(0, min(int64(lim.Burst), int64(lim.Burst)-owed)))
	return r
}

// tightest is the Result the headers report: a denying limit (the longest
// wait) if any, else the one with the fewest requests left.
func tightest(rs []Result) Result {
	best := rs[0]
	for _, r := range rs[1:] {
		switch {
		case !r.Allowed && (best.Allowed || r.RetryAfter > best.RetryAfter):
			best = r
		case r.Allowed && best.Allowed && (r.Remaining < best.Remaining ||
			r.Remaining == best.Remaining && r.ResetAfter > best.ResetAfter):
			best = r
		}
	}
	return best
}

// multiAllowScript is redis_rate's GCRA (github.com/rwz/redis-gcra) over
// several keys at once: it computes every limit with the same maths and
// state format, and writes the new states only when all of them allow, so a
// denial by one limit spends none of the others. KEYS[i] is limit i's state;
// ARGV[4i-3..4i] are its burst, rate, period (seconds) and cost. The reply is
// allowed (0/1), retry_after and reset_after (seconds, as strings) per key.
const multiAllowScript = `
redis.replicate_commands()

local jan_1_2017 = 1483228800
local now = redis.call("TIME")
now = (now[1] - jan_1_2017) + (now[2] / 1000000)

local reply = {}
local new_tats = {}
local all_allowed = true
for i, key in ipairs(KEYS) do
  local burst = tonumber(ARGV[4 * i - 3])
  local rate = tonumber(ARGV[4 * i - 2])
  local period = tonumber(ARGV[4 * i - 1])
  local cost = tonumber(ARGV[4 * i])

  local emission_interval = period / rate
  local increment = emission_interval * cost
  local burst_offset = emission_interval * burst

  local tat = redis.call("GET", key)
  if not tat then
    tat = now
  else
    tat = tonumber(tat)
  end
  tat = math.max(tat, now)

  local new_tat = tat + increment
  local diff = now - (new_tat - burst_offset)
  if diff < 0 then
    all_allowed = false
    reply[3 * i - 2] = 0
    reply[3 * i - 1] = tostring(-diff)
    reply[3 * i] = tostring(tat - now)
  else
    new_tats[i] = new_tat
    reply[3 * i - 2] = 1
    reply[3 * i - 1] = "-1"
    reply[3 * i] = tostring(new_tat - now)
  end
end

if all_allowed then
  for i, key in ipairs(KEYS) do
    local reset_after = new_tats[i] - now
    if reset_after > 0 then
      redis.call("SET", key, new_tats[i], "EX", math.ceil(reset_after))
    end
  end
end
return reply
`
