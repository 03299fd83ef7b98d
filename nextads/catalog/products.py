"""The 18 fictional demo products (one per category of the NextAds paper's product set).

Every brand, product and competitor name here is invented. Each product has a licensed
studio ``hero`` image and a ``logo``; several add a ``lifestyle`` or ``detail`` shot. Asset
licences are held by the brand, valid on every platform unless stated, and expire in 2028
or later -- with ONE deliberate exception so the Verifier's rights check has something to
catch: ``fizzo-cola`` carries an extra ``summer-2024`` campaign image whose licence expired
on 2024-08-31 (see ``EXPIRED_ASSET``).

Facts are the verified claims a creative may state; selling points are the angles the
matcher ranks. Competitors are other fictional brands of the same category -- some of them
appear in the demo users' histories, so matching can be tested against competitor bridges.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

# (product_id, asset_id) of the one asset whose licence has already expired.
EXPIRED_ASSET = ("fizzo-cola", "summer-2024")

# Licence end dates for ordinary assets: varied so date checks are not trivially uniform.
_LICENSE_ENDS = ("2028-12-31", "2029-06-30", "2030-03-31")


@dataclass(frozen=True)
class AssetSpec:
    """A catalog asset to render: ``style`` picks the renderer (hero/logo/lifestyle/detail)."""

    id: str
    kind: str
    style: str
    description: str
    platforms: tuple[str, ...] = ("*",)
    expires: str | None = None  # None -> one of _LICENSE_ENDS, chosen per product
    scene: str | None = None  # lifestyle environment; None -> the category's default


@dataclass(frozen=True)
class ProductSpec:
    product_id: str
    name: str
    brand: str
    category: str
    slogan: str
    intro: str
    details: str
    selling_points: tuple[str, ...]
    facts: dict[str, str]
    brand_colors: tuple[str, ...]
    competitors: tuple[str, ...]
    extra_assets: tuple[AssetSpec, ...] = field(default_factory=tuple)

    def assets(self, index: int) -> list[AssetSpec]:
        """Hero and logo (always) followed by the product's extra shots."""
        ends = _LICENSE_ENDS[index % len(_LICENSE_ENDS)]
        base = [
            AssetSpec("hero", "image", "hero", f"{self.name} studio product shot", expires=ends),
            AssetSpec("logo", "logo", "logo", f"{self.brand} logo", expires=ends),
        ]
        extra = [a if a.expires else replace(a, expires=ends) for a in self.extra_assets]
        return base + extra


def _lifestyle(desc: str, platforms: tuple[str, ...] = ("*",)) -> AssetSpec:
    return AssetSpec("lifestyle", "image", "lifestyle", desc, platforms)


def _detail(desc: str) -> AssetSpec:
    return AssetSpec("detail", "image", "detail", desc)


PRODUCTS: tuple[ProductSpec, ...] = (
    ProductSpec(
        "aurora-phone", "Auralis Aurora 7", "Auralis", "smartphone",
        "See the night in colour.",
        "A 6.5-inch flagship phone with a night-vision camera and two-day battery.",
        "Aluminium frame, 6.5-inch 120 Hz OLED display, triple camera with a 50 MP night sensor, "
        "5,000 mAh battery with 65 W charging, 256 GB storage.",
        ("night-vision camera that keeps colour in low light",
         "two-day battery with 65 W fast charging",
         "smooth 120 Hz OLED screen for gaming and streaming",
         "light aluminium body at 182 g"),
        {"price": "$699", "battery": "5,000 mAh, up to 2 days", "charging": "65 W wired",
         "display": "6.5-inch 120 Hz OLED", "weight": "182 g", "warranty": "2 years"},
        ("#5B2EFF", "#00D1FF", "#111827"), ("Zentro", "Novaphone"),
        (_detail("Close-up of the triple camera module"),),
    ),
    ProductSpec(
        "stride-sneakers", "Velocita Glide 3", "Velocita", "sneakers",
        "Every step, lighter.",
        "A cushioned everyday running shoe with a recycled knit upper.",
        "Recycled knit upper, responsive foam midsole with 8 mm drop, rubber outsole with "
        "multi-surface grip, reflective heel tab.",
        ("responsive foam that returns energy on every stride",
         "breathable upper knitted from recycled bottles",
         "grip that works on city streets and light trails",
         "reflective details for early-morning runs"),
        {"price": "$129", "weight": "245 g (US 9)", "drop": "8 mm",
         "material": "upper knitted from 70% recycled polyester", "warranty": "6 months"},
        ("#FF5A36", "#1F2937", "#F5F5F4"), ("Pacewell", "Sprintor"),
        (_lifestyle("The Glide 3 on an outdoor running path"),),
    ),
    ProductSpec(
        "fizzo-cola", "Fizzo Classic Cola", "Fizzo", "cola",
        "Open a little sparkle.",
        "A crisp, classic cola made with real cane sugar, in glass bottles and cans.",
        "Carbonated soft drink with cane sugar and natural flavourings; 330 ml can and 500 ml "
        "glass bottle; best served ice cold.",
        ("crisp, extra-fine bubbles",
         "made with real cane sugar",
         "the shareable classic for meals with friends"),
        {"price": "$1.49 per 330 ml can", "sugar": "35 g per 330 ml",
         "calories": "139 kcal per 330 ml", "formats": "330 ml can, 500 ml glass bottle"},
        ("#D7141A", "#FFFFFF", "#2B0A0A"), ("Colara", "Bubblix"),
        (_lifestyle("Fizzo bottles on ice at a summer picnic"),
         AssetSpec("summer-2024", "image", "lifestyle", "Summer 2024 campaign visual",
                   ("*",), "2024-08-31", scene="coast_dusk")),
    ),
    ProductSpec(
        "stackhouse-burger", "Stackhouse Double Smash", "Stackhouse", "burger",
        "Stacked right, every bite.",
        "Two smashed beef patties, melted cheddar and house sauce on a toasted brioche bun.",
        "Two 90 g beef patties smashed on the griddle, aged cheddar, pickles, onion, lettuce, "
        "tomato and house sauce on a toasted brioche bun.",
        ("two griddle-smashed patties with crispy edges",
         "toasted brioche bun",
         "house sauce made fresh every morning",
         "ready in under five minutes"),
        {"price": "$8.99", "calories": "780 kcal", "patties": "2 x 90 g beef",
         "bun": "brioche", "availability": "all day, every day"},
        ("#F59E0B", "#7C2D12", "#FEF3C7"), ("GrillGo", "Bunly"),
    ),
    ProductSpec(
        "veyra-sedan", "Veyra E5", "Veyra Motors", "sedan",
        "Quiet power. Long roads.",
        "An electric mid-size sedan with 520 km of range and a calm, spacious cabin.",
        "Dual-motor all-wheel drive, 82 kWh battery, 0-100 km/h in 5.2 s, panoramic glass "
        "roof, 15.6-inch centre screen, 11 kW AC and 200 kW DC charging.",
        ("520 km of range on a single charge (WLTP)",
         "10-80% fast charge in about 28 minutes",
         "spacious, quiet cabin with a panoramic roof",
         "dual-motor all-wheel drive"),
        {"price": "from $42,900", "range": "520 km (WLTP)", "battery": "82 kWh",
         "acceleration": "0-100 km/h in 5.2 s", "warranty": "8 years / 160,000 km battery"},
        ("#0F3D5E", "#C0C7CF", "#E4572E"), ("Orvane", "Castell Auto"),
        (_lifestyle("The E5 on a coastal road at dusk"),),
    ),
    ProductSpec(
        "petalis-serum", "Petalis Dew Serum", "Petalis", "skincare",
        "Glow that stays gentle.",
        "A lightweight hydrating serum with hyaluronic acid and rose extract for sensitive skin.",
        "30 ml dropper bottle; 2% hyaluronic acid complex, niacinamide 4%, rose extract; "
        "fragrance-free; dermatologist tested on sensitive skin.",
        ("deep hydration with a 2% hyaluronic acid complex",
         "fragrance-free and gentle on sensitive skin",
         "lightweight texture that layers under make-up",
         "visible glow in two weeks of daily use"),
        {"price": "$32 / 30 ml", "volume": "30 ml", "key ingredients": "hyaluronic acid 2%, niacinamide 4%",
         "fragrance": "fragrance-free", "testing": "dermatologist tested"},
        ("#F4A7B9", "#FFF1F2", "#B76E79"), ("Lumiderm", "Rosaline Lab"),
        (_detail("Dropper with a drop of serum, close-up"),),
    ),
    ProductSpec(
        "crunchbird-chicken", "Crunchbird 8-Piece Bucket", "Crunchbird", "fried chicken",
        "Crunch you can hear.",
        "Eight pieces of double-breaded fried chicken, marinated for 12 hours.",
        "Eight pieces (drumsticks, thighs, wings) marinated 12 hours in buttermilk and spices, "
        "double-breaded and fried to order; serves 3-4.",
        ("double-breaded for an extra-crunchy coat",
         "marinated for 12 hours",
         "a bucket made for sharing",
         "fried to order, never kept warm"),
        {"price": "$17.99", "pieces": "8", "serves": "3-4 people",
         "marinade": "12 hours in buttermilk and spices"},
        ("#C8102E", "#FFD23F", "#FFFFFF"), ("Golden Roost", "Cluckers"),
        (_lifestyle("A Crunchbird bucket on a table with friends"),),
    ),
    ProductSpec(
        "dailymart-store", "Dailymart Neighbourhood Store", "Dailymart", "retail store",
        "Everything for today, around the corner.",
        "A neighbourhood convenience store open 7 am to midnight with fresh food and daily deals.",
        "Fresh produce, ready meals, household basics and a bakery corner; member app with "
        "weekly deals; self-checkout.",
        ("open 7 am to midnight, every day",
         "fresh bakery and ready meals daily",
         "member app with weekly deals",
         "self-checkout, no queues"),
        {"hours": "7:00-24:00 daily", "member discount": "5% with the free app",
         "stores": "120 neighbourhood locations", "payment": "card, mobile and cash"},
        ("#0EA5E9", "#FACC15", "#0F172A"), ("Valuway", "ShopNest"),
    ),
    ProductSpec(
        "hearthly-stays", "Hearthly Stays", "Hearthly", "lodging platform",
        "Stay like you live there.",
        "A booking platform for verified homes, cabins and guesthouses.",
        "Every listing is verified in person; free cancellation up to 48 hours on most stays; "
        "24/7 guest support; app for iOS and Android.",
        ("homes verified in person before listing",
         "free cancellation up to 48 hours on most stays",
         "24/7 guest support in 12 languages",
         "cabins and homes far from hotel districts"),
        {"listings": "over 40,000 verified homes", "cancellation": "free up to 48 h on most stays",
         "support": "24/7, 12 languages", "service fee": "8% per booking"},
        ("#E76F51", "#2A9D8F", "#F4F1DE"), ("Staybee", "Lodgio"),
        (_lifestyle("A Hearthly cabin at golden hour", ("short-video-feed", "social-feed")),),
    ),
    ProductSpec(
        "posturo-chair", "Posturo Flex Chair", "Posturo", "ergonomic chair",
        "Sit well. Work well.",
        "An ergonomic mesh office chair with adaptive lumbar support.",
        "Breathable mesh back, adaptive lumbar support, 4D armrests, seat-depth adjustment, "
        "class-4 gas lift; supports up to 136 kg.",
        ("adaptive lumbar support that follows your back",
         "breathable mesh for long working days",
         "4D armrests and seat-depth adjustment",
         "12-year warranty"),
        {"price": "$459", "max load": "136 kg", "warranty": "12 years",
         "adjustments": "height, seat depth, 4D armrests, tilt tension", "material": "recycled mesh"},
        ("#334155", "#22C55E", "#E2E8F0"), ("Sitwell", "ErgoNest"),
        (_detail("The adaptive lumbar support, close-up"),),
    ),
    ProductSpec(
        "summitra-tent", "Summitra Ridge 2", "Summitra", "tent",
        "Lighter packs. Higher camps.",
        "A two-person ultralight backpacking tent that pitches in three minutes.",
        "Freestanding two-person tent; 20D ripstop nylon fly with 3,000 mm waterproof coating; "
        "aluminium poles; two doors and vestibules; packed weight 1.4 kg.",
        ("packed weight of only 1.4 kg",
         "pitches in about three minutes",
         "3,000 mm waterproof fly for mountain storms",
         "two doors, two vestibules"),
        {"price": "$349", "weight": "1.4 kg packed", "capacity": "2 people",
         "waterproofing": "3,000 mm fly", "warranty": "lifetime on poles"},
        ("#2F6B3B", "#E9A23B", "#3B2F2F"), ("Trailmark", "Pinecrest Gear"),
        (_lifestyle("The Ridge 2 pitched on a mountain meadow"),),
    ),
    ProductSpec(
        "crustline-sandwich", "Crustline Club", "Crustline", "sandwich",
        "Made now, not before.",
        "A toasted club sandwich made to order with roast chicken, bacon and fresh greens.",
        "Roast chicken, smoked bacon, tomato, lettuce and light mayo on toasted sourdough; "
        "vegetarian version available.",
        ("made to order in front of you",
         "toasted sourdough baked in-store each morning",
         "a vegetarian version of every sandwich"),
        {"price": "$7.50", "calories": "540 kcal", "bread": "sourdough baked in-store daily",
         "options": "vegetarian version available"},
        ("#65A30D", "#FDE68A", "#78350F"), ("Deli Dash", "Subwich"),
    ),
    ProductSpec(
        "flowform-leggings", "Flowform Align Leggings", "Flowform", "yoga pants",
        "Move without a second thought.",
        "High-rise yoga leggings in a buttery, squat-proof fabric with a hidden pocket.",
        "High-rise waistband with hidden pocket; four-way stretch, squat-proof recycled nylon "
        "blend; flat seams; sizes XXS-XXL in two lengths.",
        ("buttery four-way stretch that moves with you",
         "squat-proof, opaque fabric",
         "high-rise waistband with a hidden pocket",
         "made from recycled nylon"),
        {"price": "$88", "material": "78% recycled nylon, 22% elastane",
         "sizes": "XXS-XXL, two lengths", "returns": "free 30-day returns"},
        ("#7C3AED", "#F5D0FE", "#1E1B4B"), ("Asanawear", "Stretcha"),
        (_lifestyle("Flowform leggings in a sunlit yoga studio"),),
    ),
    ProductSpec(
        "brightleaf-toothpaste", "Brightleaf Mint Enamel Care", "Brightleaf", "toothpaste",
        "Fresh breath, stronger enamel.",
        "A fluoride toothpaste with mint and green-tea extract that protects enamel.",
        "1,450 ppm fluoride; mint and green-tea extract; low-abrasion formula; 100 ml tube; "
        "recyclable tube and cap.",
        ("1,450 ppm fluoride to strengthen enamel",
         "fresh mint with green-tea extract",
         "low-abrasion formula for daily use",
         "recyclable tube"),
        {"price": "$4.99 / 100 ml", "fluoride": "1,450 ppm", "volume": "100 ml",
         "packaging": "recyclable tube and cap"},
        ("#10B981", "#FFFFFF", "#0369A1"), ("Dentora", "Smilo"),
    ),
    ProductSpec(
        "vidora-stream", "Vidora Premium", "Vidora", "streaming service",
        "Press play on everything.",
        "A streaming service with films, series and live sport in 4K HDR, no ads.",
        "4K HDR and spatial audio; four screens at once; downloads for offline viewing; "
        "new originals every week; cancel anytime.",
        ("4K HDR with spatial audio",
         "four screens at once on one plan",
         "download to watch offline",
         "new originals every week, no ads"),
        {"price": "$12.99 per month", "screens": "4 at once", "quality": "4K HDR",
         "trial": "7-day free trial", "contract": "cancel anytime"},
        ("#E11D48", "#0B0B12", "#F8FAFC"), ("Streamly", "Flixo"),
        (_detail("The Vidora player on a dark screen"),),
    ),
    ProductSpec(
        "hopcab-rides", "Hopcab Rides", "Hopcab", "ride-hailing",
        "Your ride, right on time.",
        "A ride-hailing app with upfront prices and pick-ups in about four minutes.",
        "Upfront fares; live trip sharing; verified drivers; electric-car option in 30 cities; "
        "scheduled rides up to 7 days ahead.",
        ("upfront prices, no surprises",
         "average pick-up in about four minutes",
         "verified drivers and live trip sharing",
         "electric-car option in 30 cities"),
        {"average pickup": "about 4 minutes", "cities": "30", "drivers": "background-checked",
         "first ride": "50% off up to $10"},
        ("#FACC15", "#111827", "#FFFFFF"), ("Zipryde", "CarGo"),
        (_lifestyle("A Hopcab car waiting on a city street at night"),),
    ),
    ProductSpec(
        "brewmont-coffee", "Brewmont Barista One", "Brewmont", "coffee machine",
        "Café mornings at home.",
        "A bean-to-cup espresso machine with a built-in grinder and milk frother.",
        "Conical burr grinder with 15 settings, 15-bar pump, automatic milk frother, one-touch "
        "espresso, latte and flat white; 1.8 l water tank.",
        ("fresh beans ground for every cup",
         "one-touch latte and flat white",
         "automatic milk frother for silky foam",
         "easy-clean brewing unit"),
        {"price": "$549", "pressure": "15 bar", "grinder": "conical burr, 15 settings",
         "water tank": "1.8 l", "warranty": "3 years"},
        ("#6F4E37", "#D6A35C", "#F5EBDD"), ("Caffexa", "Moka Prime"),
        (_lifestyle("The Barista One on a bright kitchen counter"),),
    ),
    ProductSpec(
        "vistaro-tv", "Vistaro Q7 55\"", "Vistaro", "television",
        "Bigger than the screen.",
        "A 55-inch QLED 4K television with 120 Hz and Dolby Vision.",
        "55-inch QLED 4K panel, 120 Hz with VRR for consoles, Dolby Vision and Atmos, "
        "four HDMI 2.1 ports, thin 2.5 cm profile.",
        ("brilliant QLED colour in 4K",
         "120 Hz with VRR for next-gen gaming",
         "Dolby Vision and Dolby Atmos",
         "2.5 cm slim design"),
        {"price": "$899", "size": "55 inches", "refresh rate": "120 Hz with VRR",
         "hdr": "Dolby Vision", "warranty": "2 years"},
        ("#1D4ED8", "#0F172A", "#A5B4FC"), ("Panoview", "Telvix"),
    ),
)
