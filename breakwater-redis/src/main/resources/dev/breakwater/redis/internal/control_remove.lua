-- Removes an operator setting and tells the fleet, in one atomic step (see control_put.lua).
-- KEYS[1]: the control hash; ARGV[1]: the setting's field; ARGV[2]: the removal's text up to its revision part
-- (key, who); ARGV[3]: the channel.
local rev = tostring(redis.call('HINCRBY', KEYS[1], 'rev', 1))
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[3], 'R' .. ARGV[2] .. string.len(rev) .. ':' .. rev)
return tonumber(rev)
