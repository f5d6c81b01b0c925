-- Gives back tokens charged by gcra.lua (used when a later group of limits in another Cluster slot denied).
-- KEYS[i]: bucket; ARGV[1]: cost; ARGV[1+i]: emission interval of bucket i (us)
local cost = tonumber(ARGV[1])
for i = 1, #KEYS do
  local tat = redis.call('GET', KEYS[i])
  if tat then
    redis.call('SET', KEYS[i], string.format('%.3f', tonumber(tat) - cost * tonumber(ARGV[1 + i])), 'KEEPTTL')
  end
end
return 1
