-- Announces an instance and counts the live ones, on server time (milliseconds).
-- KEYS[1]: sorted set of instances; ARGV[1]: instance id; ARGV[2]: how long an instance counts as live (ms)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local live = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - live)
redis.call('PEXPIRE', KEYS[1], live * 2)
return redis.call('ZCARD', KEYS[1])
