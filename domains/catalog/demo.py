"""Demo catalog of a tea shop: categories, products and stock.

Idempotent: categories are matched by slug and products by SKU; what exists is left as
it is (prices and stock changed since are not reset), only what is missing is added.
"""

from __future__ import annotations

from decimal import Decimal

from domains.catalog.models import Category, Product
from domains.catalog.services import create_category, create_product
from shared.money import Money

CURRENCY = "EUR"

CATEGORIES = (
    ("black-tea", "Black tea", "Fully oxidised teas: malty, brisk, made for mornings."),
    ("green-tea", "Green tea", "Steamed or pan-fired leaves, grassy to nutty."),
    ("oolong", "Oolong", "Partly oxidised teas from Taiwan and Fujian."),
    ("herbal", "Herbal infusions", "Caffeine-free blends of herbs, flowers and fruit."),
    ("teaware", "Teaware", "Pots, cups and mugs."),
    ("brewing", "Brewing gear", "Kettles, scales, strainers and everything to brew with."),
)

# (category slug, sku, name, description, price, units on hand)
PRODUCTS = (
    (
        "black-tea",
        "TEA-001",
        "Darjeeling First Flush, 100 g",
        "Light, floral black tea from the spring harvest.",
        "12.50",
        40,
    ),
    ("black-tea", "TEA-003", "Assam Breakfast, 250 g", "Strong and malty; takes milk well.", "9.80", 60),
    ("black-tea", "TEA-004", "Ceylon Uva, 100 g", "Bright and brisk high-grown tea from Sri Lanka.", "8.40", 35),
    ("black-tea", "TEA-005", "Keemun Mao Feng, 50 g", "Chinese black tea with notes of cocoa.", "11.20", 20),
    ("black-tea", "TEA-006", "Earl Grey Bergamot, 100 g", "Ceylon base scented with Calabrian bergamot.", "7.90", 80),
    ("black-tea", "TEA-007", "Lapsang Souchong, 100 g", "Pine-smoked leaves; campfire in a cup.", "8.90", 25),
    ("black-tea", "TEA-008", "Nilgiri Frost, 100 g", "Winter-plucked South Indian tea, clean and fruity.", "10.60", 15),
    ("green-tea", "TEA-002", "Sencha Uji, 100 g", "Steamed green tea, grassy and sweet.", "9.90", 50),
    ("green-tea", "TEA-010", "Gyokuro Yame, 50 g", "Shade-grown, deeply savoury Japanese green tea.", "19.50", 12),
    ("green-tea", "TEA-011", "Matcha Ceremonial, 30 g", "Stone-ground tencha for whisked tea.", "24.00", 18),
    ("green-tea", "TEA-012", "Genmaicha, 100 g", "Green tea with toasted rice; nutty and mellow.", "6.90", 45),
    (
        "green-tea",
        "TEA-013",
        "Long Jing Dragon Well, 50 g",
        "Pan-fired flat leaves with a chestnut finish.",
        "16.80",
        22,
    ),
    ("green-tea", "TEA-014", "Hojicha, 100 g", "Roasted green tea, low in caffeine, toasty.", "8.20", 30),
    ("green-tea", "TEA-015", "Gunpowder Zhu Cha, 250 g", "Rolled pellets, bold and slightly smoky.", "7.40", 55),
    ("oolong", "TEA-020", "Alishan High Mountain, 50 g", "Creamy, floral Taiwanese oolong.", "17.90", 16),
    ("oolong", "TEA-021", "Tie Guan Yin, 50 g", "Iron Goddess of Mercy; orchid aroma.", "13.40", 24),
    ("oolong", "TEA-022", "Da Hong Pao, 50 g", "Roasted Wuyi rock tea, mineral and deep.", "21.00", 10),
    ("oolong", "TEA-023", "Oriental Beauty, 50 g", "Bug-bitten leaves with a honeyed muscatel note.", "18.60", 8),
    ("oolong", "TEA-024", "Milk Oolong, 100 g", "Jin Xuan cultivar, naturally buttery.", "12.90", 30),
    ("herbal", "HRB-001", "Peppermint Leaves, 100 g", "Whole leaves of Mitcham peppermint.", "5.40", 70),
    ("herbal", "HRB-002", "Chamomile Flowers, 50 g", "Whole Egyptian chamomile blossoms.", "5.90", 65),
    ("herbal", "HRB-003", "Rooibos Vanilla, 100 g", "South African red bush with vanilla pods.", "6.50", 40),
    ("herbal", "HRB-004", "Ginger Lemon, 100 g", "Dried ginger root and lemon peel; warming.", "6.20", 38),
    ("herbal", "HRB-005", "Hibiscus Berry, 100 g", "Tart hibiscus with elderberry and rosehip.", "5.70", 42),
    ("herbal", "HRB-006", "Lemon Verbena, 30 g", "Bright, citrussy leaves; good iced.", "4.90", 28),
    ("teaware", "MUG-001", "Stoneware mug, 350 ml", "Hand-glazed, dishwasher safe.", "18.00", 24),
    ("teaware", "MUG-002", "Double-walled glass cup, 250 ml", "Keeps tea hot and hands cool.", "14.50", 36),
    ("teaware", "POT-001", "Cast-iron teapot, 800 ml", "Tetsubin with enamelled interior and infuser.", "54.00", 9),
    ("teaware", "POT-002", "Glass teapot, 1 l", "Borosilicate glass with a steel infuser.", "29.90", 14),
    ("teaware", "POT-003", "Kyusu side-handle pot, 300 ml", "Tokoname clay, for Japanese greens.", "46.00", 6),
    ("teaware", "CUP-001", "Porcelain tasting cups, set of 4", "Thin-walled white porcelain, 60 ml each.", "22.00", 20),
    ("teaware", "GWN-001", "Gaiwan, 120 ml", "Lidded bowl for gongfu brewing.", "19.00", 18),
    ("brewing", "KET-001", "Gooseneck kettle, 1 l", "Temperature control from 40 to 100 °C.", "64.00", 11),
    ("brewing", "KET-002", "Stovetop kettle, 1.5 l", "Brushed steel, whistles when ready.", "38.00", 13),
    ("brewing", "SCL-001", "Tea scale, 0.1 g", "Pocket scale for weighing leaves.", "16.50", 27),
    ("brewing", "STR-001", "Mesh strainer", "Fine stainless mesh, fits most cups.", "6.00", 90),
    ("brewing", "INF-001", "Brew basket infuser", "Wide basket so leaves can unfurl.", "9.50", 75),
    ("brewing", "TIM-001", "Sand timer set, 3/4/5 min", "Three glass timers on a beech stand.", "12.00", 19),
    ("brewing", "CAD-001", "Tea caddy, 200 g", "Airtight tin with an inner lid.", "11.00", 33),
    ("brewing", "WSK-001", "Bamboo matcha whisk", "Chasen with 100 prongs.", "15.00", 21),
)


def load_demo_data() -> list[str]:
    """Add the missing demo categories and products; return one line for the console."""
    category_ids = {slug: create_category(slug=slug, name=name, description=text).id for slug, name, text in CATEGORIES}
    existing = set(Product.objects.filter(sku__in=[row[1] for row in PRODUCTS]).values_list("sku", flat=True))
    for slug, sku, name, description, price, on_hand in PRODUCTS:
        if sku in existing:  # loaded before categories existed: file it, change nothing else
            Product.objects.filter(sku=sku, category=None).update(category_id=category_ids[slug])
        else:
            create_product(
                sku=sku,
                name=name,
                description=description,
                price=Money(amount=Decimal(price), currency=CURRENCY),
                category_id=category_ids[slug],
                on_hand=on_hand,
            )
    active = Product.objects.filter(is_active=True).count()
    return [f"{active} products in {Category.objects.count()} categories in the catalog"]
