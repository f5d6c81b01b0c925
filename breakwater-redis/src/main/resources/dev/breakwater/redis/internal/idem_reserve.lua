-- Reserves an idempotency key. A record is 'I' or 'D' (in flight / done), then the 64-hex fingerprint hash, then
-- (when done) the stored value. KEYS[1]: record; ARGV[1]: fingerprint hash; ARGV[2]: lease in ms
-- Returns {0} reserved, {1, value} replay, {2} conflict (in flight), {3} mismatch (another request).
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], 'I' .. ARGV[1], 'PX', ARGV[2])
  return {0}
end
if string.sub(v, 2, 65) ~= ARGV[1] then
  return {3}
end
if string.sub(v, 1, 1) == 'I' then
  return {2}
end
return {1, string.sub(v, 66)}
