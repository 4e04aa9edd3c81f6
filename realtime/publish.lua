-- Publishes one event to a topic, atomically: decides its sequence, appends
-- it to the topic's history stream and sends it on the topic's channel.
--
-- KEYS[1]  the topic's history stream; entry IDs are "<seq>-0"
-- ARGV[1]  the topic's channel
-- ARGV[2]  mode: "o" ordered with the next sequence, "e" ordered with the
--          explicit sequence ARGV[3], "c" the same but only if it directly
--          follows the current one, "l" latest-wins (current sequence, no history)
-- ARGV[3]  explicit sequence (modes "e" and "c")
-- ARGV[4]  event frame up to the sequence
-- ARGV[5]  event frame after the sequence
-- ARGV[6]  publish time, Unix nanoseconds
-- ARGV[7]  history length cap
-- ARGV[8]  history idle TTL, milliseconds
--
-- Channel message: "<o|l><seq> <publish nanos> <frame>".
-- Returns {seq, published}. published is 0 when an explicit sequence is not
-- above the topic's current one (a retry of an event already published):
-- nothing is sent and seq is the current sequence. It is 2 when a contiguous
-- sequence (mode "c") would leave a gap after the topic's current one (events before
-- it were never published): nothing is sent, seq is the current sequence,
-- and the publisher sends the missing events first.
local key = KEYS[1]
local mode = ARGV[2]

local current = 0
local last = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
if #last > 0 then
  current = tonumber(string.match(last[1][1], '^(%d+)'))
end

local seq = current
if mode == 'o' then
  seq = current + 1
elseif mode == 'e' or mode == 'c' then
  seq = tonumber(ARGV[3])
  if seq <= current then
    return {current, 0}
  end
  if mode == 'c' and current > 0 and seq > current + 1 then
    return {current, 2}
  end
end

local id = string.format('%d', seq)
local frame = ARGV[4] .. id .. ARGV[5]
local kind = 'o'
if mode == 'l' then
  kind = 'l'
else
  redis.call('XADD', key, 'MAXLEN', ARGV[7], id .. '-0', 'f', frame)
  redis.call('PEXPIRE', key, ARGV[8])
end
redis.call('PUBLISH', ARGV[1], kind .. id .. ' ' .. ARGV[6] .. ' ' .. frame)
return {seq, 1}
