-- Removes an operator setting and tells the fleet, in one atomic step (see control_put.lua, revisions too).
-- KEYS[1]: the control hash; ARGV[1]: the setting's field; ARGV[2]: the removal's text up to its revision part
-- (key, who); ARGV[3]: the channel.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local last = tonumber(redis.call('HGET', KEYS[1], 'rev') or '0') or 0
local rev = string.format('%d', math.max(now, last + 1))
redis.call('HSET', KEYS[1], 'rev', rev)
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[3], 'R' .. ARGV[2] .. string.len(rev) .. ':' .. rev)
return tonumber(rev)
