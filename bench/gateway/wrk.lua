-- wrk script of bench/gateway.sh.
--
-- Always: done() prints one machine-readable line with the request count, rate, error counts and the latency
-- percentiles in microseconds (p99.9 included, which `wrk --latency` does not print).
--
-- With BW_WRK_RATE=R in the environment (requests/s of all threads together; BW_WRK_THREADS=N when wrk runs -tN,
-- default 1): fixed-rate mode, wrk2-style pacing through wrk's delay() hook. Each thread keeps one schedule of send
-- slots 1/R apart; a connection that is ready to send takes the next slot and waits for it. delay() returns whole
-- milliseconds (wrk's timers have 1 ms resolution), so sends leave in small bursts at millisecond ticks. A thread
-- that falls behind sends at once, catching up at most 10 ms of backlog. Latency is wrk's own (from writing the
-- request to the end of the response), not corrected for coordinated omission as wrk2's is; done() prints the
-- achieved rate against the target instead (achieved_ratio): at a rate well below saturation no request waits
-- behind a late one and the two agree.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bw_timespec_t;
int clock_gettime(int clock_id, bw_timespec_t *tp);
]]
local ts = ffi.new("bw_timespec_t")
local CLOCK_MONOTONIC = 1

local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end

local target_rate = tonumber(os.getenv("BW_WRK_RATE") or "") or 0 -- all threads together
local threads = tonumber(os.getenv("BW_WRK_THREADS") or "") or 1

if target_rate > 0 then
  local interval = 1e6 / (target_rate / threads) -- microseconds between two sends of this thread
  local next_slot = nil
  function delay()
    local now = now_us()
    if next_slot == nil or next_slot < now - 10000 then
      next_slot = now
    end
    next_slot = next_slot + interval
    local wait_ms = (next_slot - now) / 1000
    if wait_ms < 1 then
      return 0
    end
    return math.floor(wait_ms)
  end
end

function done(summary, latency, requests)
  local s = summary
  local seconds = s.duration / 1e6
  local rps = s.requests / seconds
  io.write(string.format(
    "BW_RESULT requests=%d duration_s=%.3f rps=%.1f target_rps=%.1f achieved_ratio=%.4f errors_connect=%d "
      .. "errors_read=%d errors_write=%d errors_status=%d errors_timeout=%d\n",
    s.requests, seconds, rps, target_rate, target_rate > 0 and rps / target_rate or 0,
    s.errors.connect, s.errors.read, s.errors.write, s.errors.status, s.errors.timeout))
  io.write(string.format("BW_LATENCY_US mean=%.1f stdev=%.1f p50=%d p90=%d p99=%d p99.9=%d max=%d\n",
    latency.mean, latency.stdev, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
end
