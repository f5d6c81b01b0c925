-- Keeps an operator setting and tells the fleet, in one atomic step so that the store's order is the revisions' order.
-- KEYS[1]: the control hash; ARGV[1]: the setting's field; ARGV[2]: the entry's text up to its revision part;
-- ARGV[3]: the channel. The revision is appended as a StoreKeys part (<length>:<digits>).
local rev = tostring(redis.call('HINCRBY', KEYS[1], 'rev', 1))
local value = ARGV[2] .. string.len(rev) .. ':' .. rev
redis.call('HSET', KEYS[1], ARGV[1], value)
redis.call('PUBLISH', ARGV[3], 'P' .. value)
return tonumber(rev)
