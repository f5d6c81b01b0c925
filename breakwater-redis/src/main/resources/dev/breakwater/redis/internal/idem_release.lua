-- Releases an in-flight reservation, only if it is still this request's. KEYS[1]: record; ARGV[1]: fingerprint hash
if redis.call('GET', KEYS[1]) == 'I' .. ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
