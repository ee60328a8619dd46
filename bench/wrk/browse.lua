-- Browsing, anonymous: the product list (a page of 20) and a product's page, in turn.
-- BENCH_DATA names a file of lines "product <id>" (and "customer <token>", unused here).

threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  products = {}
  for line in io.lines(os.getenv("BENCH_DATA")) do
    local kind, value = line:match("^(%a+) (.+)$")
    if kind == "product" then table.insert(products, value) end
  end
  math.randomseed(os.time() + (id or 0))
  turn = 0
  statuses, refused = {}, ""
end

function response(status, headers, body)
  count(status)
end

function request()
  turn = turn + 1
  if turn % 2 == 1 then
    return wrk.format("GET", "/api/catalog/products/?limit=20")
  end
  return wrk.format("GET", "/api/catalog/products/" .. products[math.random(#products)] .. "/")
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
