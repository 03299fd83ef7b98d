"""Demo users with clearly different tastes (all fictional).

- ``maya``  (en-US): hiking, camping, trail running; earthy photos with film grain; owns a
  tent from the competitor brand *Trailmark* and reviews a *Pinecrest Gear* shell.
- ``lin``   (zh-CN): skincare and beauty, cafe culture; soft pastel photos; mentions the
  competitor serum *Lumiderm*. SENSITIVE: a rosacea diagnosis and medical-aesthetic
  treatments (``lin-05``, ``lin-06``) -- must never surface in creative-facing profile fields.
- ``jordan`` (en-US): gaming, tech and streaming; dark neon photos; unhappy with his
  *Zentro* phone, watches *Streamly*.
- ``sofia`` (en-US): yoga, fitness and healthy food; bright airy photos; reviews
  *Asanawear* leggings. SENSITIVE: type 1 diabetes (``sofia-06``).
- ``wei``   (zh-CN): fast food, snacks and budget shopping; price-sensitive wording; text
  only (no photos); mentions *Golden Roost* fried chicken and *Colara* cola.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ItemSpec:
    """One history note; each motif becomes one photo drawn in the user's taste."""

    title: str
    text: str
    motifs: tuple[str, ...] = ()
    cover: str | None = None  # motif of a video cover, for video-like notes


@dataclass(frozen=True)
class UserSpec:
    user_id: str
    gender: str
    age_range: str
    locale: str
    taste: str | None  # key of scenes.TASTES; None for a text-only history
    items: tuple[ItemSpec, ...] = field(default_factory=tuple)
    start_month: str = "2025-03"  # timestamps run weekly from here

    def item_id(self, index: int) -> str:
        return f"{self.user_id}-{index + 1:02d}"


# Sensitive items, by id: used by the tests and documented for the privacy checks.
SENSITIVE_ITEMS = {"lin-05": "health", "lin-06": "health", "sofia-06": "health"}


USERS: tuple[UserSpec, ...] = (
    UserSpec("maya", "female", "25-29", "en-US", "earthy", (
        ItemSpec("Sunrise on Eagle Ridge",
                 "Left the car park at 4:30 to catch first light on the ridge. Worth every switchback. "
                 "Moss, mist and not a single other person on the trail. #hiking #sunrise #pnw",
                 ("forest_trail", "mountain_camp")),
        ItemSpec("My 3-day loop packing list",
                 "Trying to get my base weight under 8 kg. The heaviest thing is still my old Trailmark tent "
                 "at 2.3 kg, so a lighter shelter is next on the list. Full list in the comments. "
                 "#ultralight #backpacking",
                 ("gear_flatlay",)),
        ItemSpec("Trail run: 18 km of mud and roots",
                 "Spring conditions on the Cedar Loop: ankle-deep mud, slick roots, the best kind of tired. "
                 "Grip mattered more than cushioning today. #trailrunning",
                 ("trail_run",)),
        ItemSpec("Camp dinner by the lake",
                 "One-pot lentil curry on the stove, cooked while the sun went down behind the pines. "
                 "Simple food tastes better outside. #campcooking",
                 ("campfire", "lake")),
        ItemSpec("Leave no trace, seven basics",
                 "Plan ahead, camp on durable surfaces, pack it in and pack it out. A quick refresher before "
                 "summer crowds arrive. #leavenotrace #outdoors"),
        ItemSpec("First frost at the campsite",
                 "Woke up to frost on the fly and a sky so clear it hurt. Two people, one tiny tent, "
                 "a lot of coffee. #camping #autumn",
                 ("mountain_camp",)),
        ItemSpec("Thrifted wool layers for autumn",
                 "Found merino base layers at the charity shop for a fraction of new. Earthy browns and "
                 "greens, obviously. Natural fibres, no plastic fleece. #thrifted #sustainable",
                 ("gear_flatlay",)),
        ItemSpec("Pinecrest Gear rain shell after a real storm",
                 "Six hours of sideways rain above the tree line. The Pinecrest shell wetted out at the "
                 "shoulders under my pack straps. Honest review, not sponsored. #gearreview",
                 ("lake",)),
        ItemSpec("Trail shoes: what actually matters",
                 "After 2,000 km: grip, a secure heel and a toe box that lets your feet swell. Everything "
                 "else is marketing. #trailrunning #running"),
        ItemSpec("Stargazing from the ridge camp",
                 "No moon, no clouds, the Milky Way straight overhead. Slept with the door open. "
                 "#nightsky #wildcamping",
                 ("campfire",)),
        ItemSpec("Forest bathing weekend",
                 "No watch, no plan, just walking slowly under old cedars. My favourite kind of reset. "
                 "#forest #slowliving",
                 ("forest_trail",)),
        ItemSpec("Training for my first 50k",
                 "Week 9 of 16: back-to-back long runs on hilly trails. Legs are heavy, head is happy. "
                 "#ultrarunning #training",
                 ("trail_run",)),
    ), start_month="2025-03"),
    UserSpec("lin", "female", "23-25", "zh-CN", "pastel", (
        ItemSpec("春日护肤小记｜敏感肌的温和保湿",
                 "换季皮肤有点干痒，最近只用温和无香精的保湿精华，早晚各一次，脸终于不泛红了。"
                 "#敏感肌护肤[话题]# #保湿精华[话题]#",
                 ("skincare_flatlay",)),
        ItemSpec("周末探店｜藏在巷子里的奶油风咖啡馆",
                 "粉白色的墙、软软的灯光，拿铁拉花超级好看，适合坐一下午拍照看书。"
                 "#咖啡探店[话题]# #奶油风[话题]#",
                 ("cafe_window", "latte")),
        ItemSpec("Lumiderm 精华空瓶记",
                 "用完了一整瓶 Lumiderm 精华，保湿还可以但是有点黏，下一瓶想试试别的牌子。"
                 "#空瓶记[话题]# #精华测评[话题]#",
                 ("skincare_flatlay",)),
        ItemSpec("粉色系桌面改造",
                 "把书桌换成了粉色和奶白色，加了一盏暖光台灯和小花瓶，每天坐下来心情都变好。"
                 "#桌面改造[话题]# #少女心[话题]#",
                 ("dessert",)),
        ItemSpec("皮肤科复诊｜玫瑰痤疮确诊后的调整",
                 "医生确诊是玫瑰痤疮，开了外用药，要求停用刺激性产品，护肤步骤减到最少。"
                 "#玫瑰痤疮[话题]# #皮肤科[话题]#"),
        ItemSpec("医美水光针第三次记录",
                 "第三次水光针，恢复期两天，记录一下术后护理和注意事项。"
                 "#医美[话题]# #水光针[话题]#"),
        ItemSpec("下午茶｜草莓千层和拿铁",
                 "草莓千层甜而不腻，配一杯燕麦拿铁刚刚好，粉粉嫩嫩的一下午。"
                 "#下午茶[话题]# #甜品[话题]#",
                 ("dessert", "latte")),
        ItemSpec("早C晚A新手避坑",
                 "刚开始用维C和A醇一定要从低浓度开始，建立耐受，一定要做好防晒。"
                 "#早C晚A[话题]# #护肤干货[话题]#"),
        ItemSpec("樱花季拍照穿搭",
                 "樱花季穿了浅粉色针织开衫和白色半裙，柔光下拍出来特别温柔。"
                 "#樱花[话题]# #穿搭[话题]#",
                 ("cafe_window",)),
        ItemSpec("平价面霜横评",
                 "五款百元以内的面霜，从保湿、肤感和成分三方面对比，敏感肌友好的只有两款。"
                 "#面霜测评[话题]# #平价护肤[话题]#",
                 ("skincare_flatlay",)),
        ItemSpec("咖啡拉花练习第30天",
                 "终于拉出了一颗完整的爱心！奶泡打得细腻一点成功率高很多。"
                 "#咖啡拉花[话题]# #咖啡日常[话题]#",
                 ("latte",)),
        ItemSpec("换季防晒怎么选",
                 "通勤选清爽的，户外选高倍数防水的，敏感肌优先物理防晒。"
                 "#防晒[话题]# #护肤[话题]#"),
        ItemSpec("香薰蜡烛和周末慢生活",
                 "周末点一支玫瑰香薰，泡一杯花茶，敷个面膜，什么都不做也很幸福。"
                 "#慢生活[话题]# #香薰[话题]#",
                 ("dessert",)),
    ), start_month="2025-02"),
    UserSpec("jordan", "male", "18-24", "en-US", "neon", (
        ItemSpec("New RGB desk setup reveal",
                 "Finally finished the build: ultrawide, mechanical keyboard, LED strips synced to the game. "
                 "Dark room, neon everything. #battlestation #gaming",
                 ("gaming_setup",)),
        ItemSpec("Zentro Z9 after 6 months",
                 "The screen is great but the battery is rough: dead by 6 pm if I game on the bus. "
                 "Probably switching phones this year. #tech #phonereview",
                 ("screen_glow",)),
        ItemSpec("Ranked grind until 3am",
                 "Hit Diamond at 2:57 am. Let's go! 144 fps or nothing, insane final round. #esports #ranked",
                 ("gaming_setup",), cover="gaming_setup"),
        ItemSpec("Best sci-fi series on Streamly right now",
                 "Ranked my top five. Number one has the best neon city cinematography I have seen. "
                 "#streaming #scifi",
                 ("screen_glow",), cover="city_skyline"),
        ItemSpec("Night walk through the arcade district",
                 "Shot everything on my phone in night mode. Rain plus neon signs is epic! "
                 "#nightphotography #cyberpunk",
                 ("night_street", "city_skyline")),
        ItemSpec("Mechanical keyboard switch tier list",
                 "Linear vs tactile vs clicky, ranked by a guy who types 12 hours a day. Fight me. #keyboards"),
        ItemSpec("120 Hz vs 60 Hz: can you actually tell?",
                 "Side-by-side test with friends. Everyone picked the 120 Hz screen in under a minute. "
                 "#tech #display",
                 ("screen_glow",)),
        ItemSpec("Speedrun PB: 41:07",
                 "Shaved 38 seconds off my personal best! The new route skips the entire water level. Hype. "
                 "#speedrun"),
        ItemSpec("Budget vs flagship phone cameras at night",
                 "Tested four phones in the same alley. Only one kept the colours of the neon signs. "
                 "#phonecamera #nightmode",
                 ("night_street",)),
        ItemSpec("Co-op weekend with the squad",
                 "Snacks, four controllers and a new co-op game. Lost count after 40 revives, absolute chaos, awesome night! "
                 "#couchcoop #gaming",
                 ("controller",)),
        ItemSpec("Anime marathon night",
                 "Twelve episodes, one sitting, zero regrets. Streaming in 4K on the big screen. "
                 "#anime #bingewatch",
                 ("screen_glow",), cover="screen_glow"),
    ), start_month="2025-04"),
    UserSpec("sofia", "female", "30-34", "en-US", "airy", (
        ItemSpec("Morning flow: 20-minute sun salutation",
                 "Windows open, light pouring in, twenty minutes of slow flow before coffee. "
                 "#yoga #morningroutine",
                 ("yoga_room",)),
        ItemSpec("Smoothie bowl that keeps me full till lunch",
                 "Frozen banana, spinach, oats and a spoon of almond butter, topped with berries. "
                 "#healthybreakfast #smoothiebowl",
                 ("smoothie_bowl",)),
        ItemSpec("Asanawear leggings review",
                 "Loved the colour, but they pilled after a month and went see-through in deep squats. "
                 "Looking for something more durable. #activewear #review",
                 ("stretch",)),
        ItemSpec("Beach run at sunrise",
                 "5 km barefoot on the sand, then a swim. Best start to a Saturday. #running #beach",
                 ("beach_run",)),
        ItemSpec("Meal prep Sunday: 5 lunches under 500 kcal",
                 "Quinoa, roasted vegetables, chickpeas and a lemon tahini dressing. Done in an hour. "
                 "#mealprep #healthyeating",
                 ("salad",)),
        ItemSpec("Managing type 1 diabetes around my workouts",
                 "What I eat before and after a session, and how I check my glucose during hot yoga. "
                 "Not medical advice, just what works for me. #type1diabetes"),
        ItemSpec("Home studio makeover on a small budget",
                 "White walls, a plant, a rug and good light: my spare room is now a yoga studio. "
                 "#homestudio #minimal",
                 ("yoga_room",)),
        ItemSpec("Pilates core burner",
                 "Fifteen minutes, no equipment, all core. Save it for later! #pilates #homeworkout",
                 ("stretch",)),
        ItemSpec("Green goddess salad",
                 "Herbs, avocado, cucumber and a yoghurt dressing. Fresh and bright. #salad #plantbased",
                 ("salad", "smoothie_bowl")),
        ItemSpec("Why I switched to a standing desk",
                 "Sitting all day was wrecking my lower back. Standing half the day plus stretch breaks "
                 "changed everything. #wfh #posture"),
        ItemSpec("Hydration tips for hot yoga",
                 "Electrolytes before, small sips during, coconut water after. #hotyoga #wellness"),
        ItemSpec("Weekend farmers market haul",
                 "Strawberries, herbs, sourdough and the first peaches of the summer. #farmersmarket",
                 ("smoothie_bowl",)),
    ), start_month="2025-05"),
    UserSpec("wei", "male", "26-30", "zh-CN", None, (
        ItemSpec("打工人午饭｜20元以内吃饱吃好",
                 "公司楼下五家快餐对比，20块钱以内能吃饱的只有两家，性价比最高的是汉堡套餐。"
                 "#打工人午饭[话题]# #性价比[话题]#"),
        ItemSpec("Golden Roost 新品炸鸡桶测评",
                 "Golden Roost 出了新的八块炸鸡桶，周二第二份半价，外皮很脆但是有点咸，两个人吃刚好。"
                 "#炸鸡[话题]# #测评[话题]#"),
        ItemSpec("便利店隐藏吃法",
                 "泡面加饭团再加一个溏心蛋，不到15块，深夜加班的快乐，哈哈！"
                 "#便利店美食[话题]# #省钱[话题]#"),
        ItemSpec("可乐配汉堡才是绝配",
                 "汉堡一定要配冰可乐，绝了！Colara 买一送一的时候囤了一整箱，笑死。"
                 "#汉堡[话题]# #可乐[话题]#"),
        ItemSpec("双十一囤货清单｜零食篇",
                 "薯片、坚果、辣条，满300减50再叠加店铺券，算下来打了六折。"
                 "#双十一[话题]# #囤货[话题]#"),
        ItemSpec("周末夜宵｜小龙虾配啤酒",
                 "三斤小龙虾加两瓶啤酒，人均不到60，和兄弟们看球正合适，嘿嘿。"
                 "#夜宵[话题]# #小龙虾[话题]#"),
        ItemSpec("外卖红包怎么叠加最划算",
                 "会员红包加满减加店铺新客券，一份炸鸡套餐从45块降到22块。"
                 "#外卖[话题]# #省钱攻略[话题]#"),
        ItemSpec("学生党也能吃的平价汉堡",
                 "测了六家店的招牌汉堡，价格从12到35不等，双层牛肉的那款最值。"
                 "#平价美食[话题]# #汉堡[话题]#"),
        ItemSpec("超市打折时间表",
                 "晚上8点以后面包半价，9点以后熟食七折，记好时间能省不少。"
                 "#超市[话题]# #省钱[话题]#"),
        ItemSpec("空气炸锅版炸鸡翅",
                 "腌两个小时，200度烤15分钟，外酥里嫩，好玩又好吃，成本只要外卖的三分之一。"
                 "#空气炸锅[话题]# #鸡翅[话题]#"),
        ItemSpec("会员日薅羊毛攻略",
                 "每个月的会员日叠加优惠券，日用品和饮料最划算，一次能省一百多。"
                 "#会员日[话题]# #薅羊毛[话题]#"),
        ItemSpec("一个人的火锅",
                 "加班回家煮个小火锅，超市买的丸子和青菜，一共花了28块，一个人也要好好吃饭，哈哈。"
                 "#一人食[话题]# #火锅[话题]#"),
    ), start_month="2025-01"),
)
