-- Reads a topic's current sequence and the events after a position, then
-- publishes a marker on the topic's channel. Pub/sub delivers in execution
-- order, so a node that receives the marker has received every live event
-- published before this read, and every live event after it is newer than
-- the sequence returned: the seam between history and live is exact.
--
-- KEYS[1]  the topic's history stream; entry IDs are "<seq>-0"
-- ARGV[1]  the topic's channel
-- ARGV[2]  position: the events after it are returned; -1 for none
-- ARGV[3]  marker token
-- ARGV[4]  history idle TTL, milliseconds (a read keeps the history alive)
--
-- Returns {current, oldest, id1, frame1, id2, frame2, ...}. oldest is the
-- oldest sequence still kept, 0 when it was not needed (position absent or
-- not behind current). Events are returned only when the history still
-- reaches back to the position (oldest <= position + 1).
local key = KEYS[1]
local position = tonumber(ARGV[2])
local reply = {0, 0}

local last = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
if #last > 0 then
  reply[1] = tonumber(string.match(last[1][1], '^(%d+)'))
  redis.call('PEXPIRE', key, ARGV[4])
  if position >= 0 and position < reply[1] then
    local oldest = redis.call('XRANGE', key, '-', '+', 'COUNT', 1)
    reply[2] = tonumber(string.match(oldest[1][1], '^(%d+)'))
    if reply[2] <= position + 1 then
      local entries = redis.call('XRANGE', key, string.format('%d', position + 1), '+')
      for _, e in ipairs(entries) do
        reply[#reply + 1] = e[1]
        reply[#reply + 1] = e[2][2]
      end
    end
  end
end

redis.call('PUBLISH', ARGV[1], 'm' .. ARGV[3])
return reply
