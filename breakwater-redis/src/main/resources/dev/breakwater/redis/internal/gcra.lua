-- Several GCRA buckets decided at once, all or none, on Redis server time (microseconds).
-- KEYS[i]: bucket i (its value is the theoretical arrival time, TAT, in microseconds)
-- ARGV[1]: cost in tokens; ARGV[2i]: emission interval of bucket i in microseconds; ARGV[2i+1]: its burst
-- Returns {1, 0, 0, r1, f1, r2, f2, ...} when every bucket admitted (and was charged): r the tokens bucket i has left,
-- f the microseconds until it is full again; else {0, i, wait} with the first bucket i that denied and the
-- microseconds until it would admit (-1: never, the cost exceeds its burst); nothing is charged then.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local cost = tonumber(ARGV[1])
local next_tat = {}
for i = 1, #KEYS do
  local interval = tonumber(ARGV[2 * i])
  local tolerance = interval * tonumber(ARGV[2 * i + 1])
  local increment = interval * cost
  if increment > tolerance then
    return {0, i, -1}
  end
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  if tat < now then
    tat = now
  end
  local nt = tat + increment
  local over = nt - now - tolerance
  if over > 0 then
    return {0, i, math.ceil(over)}
  end
  next_tat[i] = nt
end
local out = {1, 0, 0}
for i = 1, #KEYS do
  -- The bucket is full again once now reaches its TAT: keep the key exactly that long (idle keys expire).
  local ttl = math.ceil((next_tat[i] - now) / 1000) + 1
  redis.call('SET', KEYS[i], string.format('%.3f', next_tat[i]), 'PX', ttl)
  local interval = tonumber(ARGV[2 * i])
  local tolerance = interval * tonumber(ARGV[2 * i + 1])
  out[2 + 2 * i] = math.floor((tolerance - (next_tat[i] - now)) / interval)
  out[3 + 2 * i] = math.ceil(next_tat[i] - now)
end
return out
