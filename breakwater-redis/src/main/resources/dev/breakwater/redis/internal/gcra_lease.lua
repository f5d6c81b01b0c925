-- One GCRA bucket, leasing: take as many tokens as are available up to ARGV[3] (at least ARGV[4], the cost of the
-- call that asks), so an instance can admit the rest locally. Server time in microseconds.
-- KEYS[1]: bucket; ARGV[1]: emission interval (us); ARGV[2]: burst; ARGV[3]: lease size; ARGV[4]: cost
-- Returns {granted, 0} when granted >= cost tokens were taken, else {0, wait_us} (-1: never).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = interval * tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
if interval * cost > tolerance then
  return {0, -1}
end
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then
  tat = now
end
local available = math.floor((tolerance - (tat - now)) / interval)
if available < cost then
  return {0, math.ceil(tat + interval * cost - now - tolerance)}
end
local granted = math.min(want, available)
local nt = tat + interval * granted
redis.call('SET', KEYS[1], string.format('%.3f', nt), 'PX', math.ceil((nt - now) / 1000) + 1)
return {granted, 0}
