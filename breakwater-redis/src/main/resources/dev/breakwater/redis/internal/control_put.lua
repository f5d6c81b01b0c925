-- Keeps an operator setting and tells the fleet, in one atomic step so that the store's order is the revisions' order.
-- KEYS[1]: the control hash; ARGV[1]: the setting's field; ARGV[2]: the entry's text up to its revision part;
-- ARGV[3]: the channel. The revision is appended as a StoreKeys part (<length>:<digits>).
-- A revision is the server's time in microseconds, or the last revision + 1 when that is later: it rises with every
-- change, and a Redis that lost its data (no persistence, a failover to an empty replica) does not start counting again
-- below the revisions the replicas already hold, which would make them drop every new change as old.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local last = tonumber(redis.call('HGET', KEYS[1], 'rev') or '0') or 0
local rev = string.format('%d', math.max(now, last + 1))
redis.call('HSET', KEYS[1], 'rev', rev)
local value = ARGV[2] .. string.len(rev) .. ':' .. rev
redis.call('HSET', KEYS[1], ARGV[1], value)
redis.call('PUBLISH', ARGV[3], 'P' .. value)
return tonumber(rev)
