-- Checkout: customers in turn add a product to their cart, then check out (tok_visa).
-- Run with as many threads as connections (-t N -c N): each connection's requests then go
-- one after the other, so a customer's checkout follows its own "add to cart".
-- BENCH_DATA names a file of lines "product <id>" and "customer <access token>";
-- BENCH_THREADS is N: thread k takes every N-th customer, so no two threads share one.

threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  products, customers = {}, {}
  local all = tonumber(os.getenv("BENCH_THREADS"))
  local seen = 0
  for line in io.lines(os.getenv("BENCH_DATA")) do
    local kind, value = line:match("^(%a+) (.+)$")
    if kind == "product" then
      table.insert(products, value)
    elseif kind == "customer" then
      if seen % all == id - 1 then table.insert(customers, value) end
      seen = seen + 1
    end
  end
  math.randomseed(os.time() + id)
  turn, adding = 1, true
  statuses, refused = {}, ""
end

function request()
  local headers = {
    ["Authorization"] = "Bearer " .. customers[turn],
    ["Content-Type"] = "application/json",
  }
  if adding then
    local body = '{"product_id": "' .. products[math.random(#products)] .. '", "quantity": 1}'
    return wrk.format("POST", "/api/cart/items/", headers, body)
  end
  return wrk.format("POST", "/api/orders/checkout/", headers, '{"payment_token": "tok_visa"}')
end

function response(status, headers, body)
  count(status)
  if not adding then
    turn = turn % #customers + 1
  end
  adding = not adding
end

-- Non-2xx answers by status, printed at the end ("non-2xx: 409=3"), so an error is named.
function count(status)
  if status >= 300 then
    statuses[status] = (statuses[status] or 0) + 1
    refused = ""
    for code, n in pairs(statuses) do refused = refused .. code .. "=" .. n .. " " end
  end
end

function done(summary, latency, requests)
  local all = ""
  for _, thread in ipairs(threads) do all = all .. (thread:get("refused") or "") end
  if all ~= "" then print("non-2xx: " .. all) end
end
