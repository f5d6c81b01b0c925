-- Completes an idempotency record, only if the key is free or still this request's reservation: a reservation that
-- expired and was taken by another request is not overwritten. KEYS[1]: record; ARGV[1]: the done record
-- ('D' .. fingerprint hash .. value); ARGV[2]: ttl in ms. Returns 1 when written, 0 when the key belongs to another.
local v = redis.call('GET', KEYS[1])
if v and v ~= 'I' .. string.sub(ARGV[1], 2, 65) and string.sub(v, 1, 65) ~= string.sub(ARGV[1], 1, 65) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
