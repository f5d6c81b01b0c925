-- What one GCRA bucket has left, without taking from it (operators' listings). Server time in microseconds.
-- KEYS[1]: bucket; ARGV[1]: emission interval (us); ARGV[2]: burst
-- Returns {remaining tokens, microseconds until the bucket is full again}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = interval * tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then
  tat = now
end
local remaining = math.floor((tolerance - (tat - now)) / interval)
if remaining < 0 then
  remaining = 0
end
return {remaining, math.ceil(tat - now)}
