import { MAX_VARIANTS, type ProductDraft, type ProductOption, type VariantDraft } from '#shared/catalog/product';

/**
 * A deterministic demo catalog: believable products of an outdoor and apparel shop, for
 * `npm start` (2,000 products) and `npm run seed -- --products 20000`.
 *
 * Determinism: product `i` depends only on `seed` and `i` (its own PRNG stream, seeded by
 * hashing both), so the catalog of 2,000 is the first 2,000 products of the catalog of
 * 20,000, `start` resumes exactly, and nothing depends on the clock, the locale or the
 * machine. Categories come in shuffled blocks of 40 with fixed counts per block, so every
 * stretch of the catalog has the same mix; inside a block, the running shoes take fixed
 * search-demo roles (one blue with size 10, one not blue, one blue without size 10, one
 * free), so any 200 products hold several blue running shoes in size 10 and some that
 * are not.
 *
 * Generation is lazy: one product at a time, and memory does not grow with `count`.
 */

export interface DemoProduct {
  readonly id: string;
  readonly draft: ProductDraft;
  /** Units on hand per SKU of the draft. */
  readonly stock: Readonly<Record<string, number>>;
  readonly createdAt: string;
}

export interface DemoCatalogOptions {
  /** The size of the whole catalog: products `start` to `count - 1` are generated. */
  readonly count: number;
  /** ISO 4217 code of the prices. Amounts are the same minor-unit numbers whatever the currency. @default 'USD' */
  readonly currency?: string;
  /** Any integer; the same seed gives the same catalog. @default 1 */
  readonly seed?: number;
  /** Index of the first product to generate, to resume a seed. @default 0 */
  readonly start?: number;
}

/** `createdAt` of the products spreads over the two years before this instant. */
export const DEMO_EPOCH = '2026-11-01T00:00:00.000Z';

// ---------------------------------------------------------------------------------------
// Randomness: a small-fast-counter PRNG (sfc32) seeded by hashing (seed, stream, index).

type Rng = () => number;

/** lowbias32: a 32-bit integer hash with good avalanche. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

const TWO_32 = 2 ** 32;

function hashOf(seed: number, stream: number, index: number): number {
  let h = mix32((seed >>> 0) ^ 0x9e3779b9);
  h = mix32(h ^ (Math.floor(seed / TWO_32) >>> 0));
  h = mix32(h ^ Math.imul(stream, 0x85ebca6b));
  h = mix32(h ^ (index >>> 0));
  return mix32(h ^ (Math.floor(index / TWO_32) >>> 0));
}

/** sfc32 (Chris Doty-Humphrey), returning floats in [0, 1). */
function rngFor(seed: number, stream: number, index: number): Rng {
  const h = hashOf(seed, stream, index);
  let a = h;
  let b = mix32(h ^ 0x6a09e667);
  let c = mix32(h ^ 0xbb67ae85);
  let d = 1;
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / TWO_32;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

const STREAM_PRODUCT = 1;
const STREAM_DECK = 2;

function int(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

/** Picks from `[value, weight]` pairs. */
function weighted<T>(rng: Rng, items: ReadonlyArray<readonly [T, number]>): T {
  let total = 0;
  for (const [, w] of items) total += w;
  let r = rng() * total;
  for (const [value, w] of items) {
    r -= w;
    if (r < 0) return value;
  }
  return items[items.length - 1]![0];
}

// ---------------------------------------------------------------------------------------
// Ids: a keyed Feistel permutation of the index, so ids look random yet never collide.

const MASK_30 = 2 ** 30 - 1;
const TWO_30 = 2 ** 30;

function productId(seed: number, index: number): string {
  let left = Math.floor(index / TWO_30) & MASK_30;
  let right = index % TWO_30;
  for (let round = 0; round < 4; round++) {
    const f = mix32((right ^ hashOf(seed, 100 + round, 0)) >>> 0) & MASK_30;
    [left, right] = [right, (left ^ f) & MASK_30];
  }
  // 36^6 > 2^30: each half fills six base-36 characters.
  return `prd_${left.toString(36).padStart(6, '0')}${right.toString(36).padStart(6, '0')}`;
}

// ---------------------------------------------------------------------------------------
// The shop's vocabulary.

const COLOR_CODES = {
  black: 'BLK',
  white: 'WHT',
  grey: 'GRY',
  charcoal: 'CHR',
  navy: 'NVY',
  blue: 'BLU',
  indigo: 'IND',
  teal: 'TEL',
  green: 'GRN',
  olive: 'OLV',
  red: 'RED',
  burgundy: 'BRG',
  orange: 'ORG',
  yellow: 'YLW',
  pink: 'PNK',
  purple: 'PRP',
  beige: 'BGE',
  tan: 'TAN',
  brown: 'BRN',
} as const;
type Color = keyof typeof COLOR_CODES;
type Palette = ReadonlyArray<readonly [Color, number]>;

const LETTER_SIZES = ['XS', 'S', 'M', 'L', 'XL', 'XXL'] as const;
const SOCK_SIZES = ['S', 'M', 'L', 'XL'] as const;
const WAISTS = [28, 29, 30, 31, 32, 33, 34, 36, 38, 40] as const;
const INSEAMS = [30, 32, 34] as const;
const CAPACITIES = ['350 ml', '500 ml', '750 ml', '1000 ml'] as const;

type SizePlan =
  | { readonly kind: 'none' } // color only
  | { readonly kind: 'shoe'; readonly bigSizePremium?: number }
  | { readonly kind: 'ladder'; readonly ladder: readonly string[]; readonly lengths: ReadonlyArray<readonly [number, number]>; readonly topPremium?: number }
  | { readonly kind: 'jeans' }
  | { readonly kind: 'capacity' };

interface CategorySpec {
  readonly slug: string;
  /** SKU prefix, unique per category. */
  readonly code: string;
  /** Products of this category in every block of BLOCK products. */
  readonly perBlock: number;
  readonly noun: string;
  readonly brands: readonly string[];
  readonly models: readonly string[];
  /** Chance that the model carries a generation number (2-5). */
  readonly generation?: number;
  readonly qualifiers: readonly string[];
  readonly qualifierChance: number;
  /** No options at all: exactly one variant. */
  readonly plain?: boolean;
  readonly palette: Palette;
  readonly sizes: SizePlan;
  /** Base price range in whole currency units. */
  readonly price: readonly [number, number];
  /** Sentences; `{model}` and `{noun}` (lower case) are filled in. */
  readonly intro: readonly string[];
  readonly materials: readonly string[];
  readonly extras: readonly string[];
}

const RUNNING = ['Stridewell', 'Fleetfoot', 'Pacebound', 'Kinetra', 'Swiftline', 'Tempora'];
const OUTDOOR = ['Northpeak', 'Ridgecraft', 'Cairnway', 'Summitry', 'Ashgrove', 'Alder & Vale'];
const STREET = ['Urbanthread', 'Kestrel Supply', 'Lowtide', 'Mainstay', 'Parkline'];
const APPAREL = ['Harrow & Finch', 'Fairweather', 'Linden Row', 'Mainstay', 'Copperline'];
const DENIM = ['Copperline', 'Rivet & Loom', 'Harrow & Finch', 'Ironwell'];
const ACTIVE = ['Lumaflow', 'Zenroot', 'Corefit', 'Fleetfoot'];

const APPAREL_LENGTHS = [
  [3, 4],
  [4, 4],
  [5, 2],
  [6, 0.5],
] as const;

const CATEGORIES: readonly CategorySpec[] = [
  {
    slug: 'running-shoes',
    code: 'RS',
    perBlock: 4,
    noun: 'Running Shoes',
    brands: RUNNING,
    models: ['Aero', 'Tempo', 'Glide', 'Pulse', 'Velo', 'Cadence', 'Surge', 'Zephyr', 'Flux', 'Rally', 'Drift', 'Lumen'],
    generation: 0.7,
    qualifiers: ['Cushioned', 'Lightweight', 'Stability', 'Racing', 'Neutral', 'Wide'],
    qualifierChance: 0.35,
    palette: [
      ['black', 5],
      ['white', 4],
      ['blue', 5],
      ['navy', 3],
      ['grey', 3],
      ['red', 2],
      ['orange', 2],
      ['yellow', 1],
      ['teal', 2],
      ['pink', 2],
      ['green', 1],
      ['purple', 1],
    ],
    sizes: { kind: 'shoe' },
    price: [80, 180],
    intro: [
      'The {model} is a daily trainer built for road miles, from easy recovery runs to tempo days.',
      'Made for runners who log steady weekly mileage, the {model} balances soft landings with a quick toe-off.',
      'The {model} is a versatile road shoe that handles long runs, intervals and race day alike.',
    ],
    materials: [
      'An engineered mesh upper breathes well, and a nitrogen-infused foam midsole returns energy with every stride.',
      'A knit upper with a padded heel collar locks the foot in, while a dual-density EVA midsole smooths each transition.',
      'Recycled polyester mesh keeps the upper light, and a carbon rubber outsole stands up to hundreds of miles of pavement.',
    ],
    extras: [
      'An 8 mm heel-to-toe drop suits most runners.',
      'Reflective details keep you visible on early-morning and evening runs.',
      'The removable insole makes room for custom orthotics.',
      'Runs true to size; go half a size up if you are between sizes.',
    ],
  },
  {
    slug: 'trail-running-shoes',
    code: 'TR',
    perBlock: 2,
    noun: 'Trail Running Shoes',
    brands: [...RUNNING.slice(0, 3), 'Northpeak', 'Cairnway'],
    models: ['Scree', 'Talus', 'Switchback', 'Cascade', 'Canyon', 'Mesa', 'Fell', 'Rockhop'],
    generation: 0.6,
    qualifiers: ['Waterproof', 'Grip', 'Ultra', 'Lightweight'],
    qualifierChance: 0.35,
    palette: [
      ['black', 3],
      ['grey', 3],
      ['olive', 3],
      ['blue', 3],
      ['orange', 2],
      ['green', 2],
      ['red', 1],
      ['teal', 2],
      ['brown', 1],
    ],
    sizes: { kind: 'shoe' },
    price: [95, 190],
    intro: ['The {model} is built for technical singletrack, loose gravel and muddy descents.', 'From forest paths to rocky ridgelines, the {model} keeps you sure-footed mile after mile.'],
    materials: [
      'Deep 5 mm lugs of sticky rubber grip wet rock, and a flexible rock plate shields the foot from sharp stones.',
      'A ripstop mesh upper sheds debris, and a protective toe cap takes the knocks of rough terrain.',
      'A gusseted tongue keeps grit out, while a responsive foam midsole cushions long days on the trail.',
    ],
    extras: ['Drains quickly after stream crossings.', 'A built-in gaiter attachment point keeps trail debris out.', 'Comfortable enough for ultra distances.'],
  },
  {
    slug: 'hiking-boots',
    code: 'HB',
    perBlock: 2,
    noun: 'Hiking Boots',
    brands: OUTDOOR,
    models: ['Ridge', 'Summit', 'Traverse', 'Basecamp', 'Alpine', 'Timberline', 'Crag', 'Highland'],
    generation: 0.2,
    qualifiers: ['Waterproof', 'Mid', 'Leather', 'Insulated', 'Lightweight'],
    qualifierChance: 0.7,
    palette: [
      ['brown', 5],
      ['tan', 3],
      ['black', 4],
      ['grey', 3],
      ['olive', 2],
      ['navy', 1],
      ['blue', 1],
    ],
    sizes: { kind: 'shoe', bigSizePremium: 5 },
    price: [110, 280],
    intro: ['The {model} is a supportive boot for day hikes and multi-day treks with a loaded pack.', 'Built for rugged trails, the {model} gives ankle support without the break-in of a heavy boot.'],
    materials: [
      'A full-grain leather upper with a waterproof, breathable membrane keeps feet dry through puddles and snow.',
      'Nubuck leather and abrasion-resistant nylon make a durable upper, and a Vibram-style rubber outsole bites into loose ground.',
      'A suede and mesh upper breathes on warm days, while a TPU shank adds stability on uneven terrain.',
    ],
    extras: ['A gusseted tongue keeps out water and debris.', 'Metal lace hooks allow a precise, secure fit.', 'Resoleable for years of use.'],
  },
  {
    slug: 'sneakers',
    code: 'SN',
    perBlock: 3,
    noun: 'Sneakers',
    brands: STREET,
    models: ['Metro', 'Avenue', 'Kerb', 'Parkside', 'Loft', 'Harbor', 'Union', 'Courtside'],
    generation: 0.15,
    qualifiers: ['Low-Top', 'High-Top', 'Canvas', 'Leather', 'Slip-On', 'Retro'],
    qualifierChance: 0.6,
    palette: [
      ['white', 6],
      ['black', 5],
      ['grey', 2],
      ['navy', 2],
      ['blue', 2],
      ['red', 2],
      ['green', 1],
      ['beige', 2],
      ['pink', 1],
    ],
    sizes: { kind: 'shoe' },
    price: [55, 150],
    intro: ['The {model} is an everyday sneaker with a clean, timeless profile.', 'Inspired by classic court shoes, the {model} pairs with jeans, chinos or shorts.'],
    materials: [
      'A smooth leather upper softens with wear, and a vulcanized rubber sole gives lasting grip.',
      'Heavyweight cotton canvas and a cushioned footbed keep it comfortable from morning to night.',
      'Suede overlays and a padded collar add comfort, and the gum rubber outsole stands up to city streets.',
    ],
    extras: ['Wipe clean with a damp cloth.', 'Waxed cotton laces come in a matching color.', 'A cushioned insole made of recycled foam adds all-day comfort.'],
  },
  {
    slug: 't-shirts',
    code: 'TS',
    perBlock: 4,
    noun: 'T-Shirt',
    brands: [...STREET, ...APPAREL.slice(0, 3)],
    models: ['Everyday', 'Essential', 'Heritage', 'Signature', 'Daybreak', 'Coastline', 'Standard', 'Weekend'],
    qualifiers: ['Organic Cotton', 'Crew Neck', 'V-Neck', 'Pocket', 'Slub', 'Performance', 'Relaxed Fit', 'Long Sleeve'],
    qualifierChance: 0.8,
    palette: [
      ['white', 5],
      ['black', 5],
      ['grey', 4],
      ['navy', 3],
      ['blue', 3],
      ['red', 2],
      ['green', 2],
      ['olive', 2],
      ['yellow', 1],
      ['purple', 1],
      ['pink', 1],
      ['burgundy', 1],
      ['orange', 1],
    ],
    sizes: { kind: 'ladder', ladder: LETTER_SIZES, lengths: APPAREL_LENGTHS },
    price: [15, 45],
    intro: ['The {model} {noun} is the tee you reach for first: easy to wear, easy to layer.', 'A wardrobe staple, the {model} {noun} looks sharp on its own or under an open shirt.'],
    materials: [
      'Cut from soft, mid-weight combed cotton jersey that keeps its shape wash after wash.',
      'Made of a breathable cotton and recycled polyester blend that dries quickly.',
      'Knitted from organic ring-spun cotton with a tape-reinforced neckline.',
    ],
    extras: ['Pre-shrunk, so it keeps its fit.', 'Machine wash cold, tumble dry low.', 'A regular fit that is neither boxy nor tight.'],
  },
  {
    slug: 'hoodies',
    code: 'HD',
    perBlock: 2,
    noun: 'Hoodie',
    brands: [...STREET, ...APPAREL.slice(0, 3)],
    models: ['Campus', 'Harbor', 'Weekend', 'Lodge', 'Ember', 'Foundry', 'Fireside'],
    qualifiers: ['Pullover', 'Full-Zip', 'Heavyweight', 'French Terry', 'Sherpa-Lined'],
    qualifierChance: 0.8,
    palette: [
      ['black', 5],
      ['grey', 5],
      ['charcoal', 3],
      ['navy', 3],
      ['blue', 2],
      ['burgundy', 2],
      ['green', 2],
      ['olive', 2],
      ['beige', 1],
      ['white', 1],
    ],
    sizes: { kind: 'ladder', ladder: LETTER_SIZES, lengths: APPAREL_LENGTHS, topPremium: 3 },
    price: [40, 95],
    intro: ['The {model} {noun} is made for cool mornings, lazy weekends and everything in between.', 'A cozy layer for the commute or the campfire, the {model} {noun} has a roomy, lined hood.'],
    materials: [
      'Brushed-back cotton fleece feels soft against the skin and holds warmth.',
      'Loopback French terry in cotton and recycled polyester breathes better than standard fleece.',
      'A heavyweight 400 gsm cotton blend gives it structure that lasts for years.',
    ],
    extras: ['Ribbed cuffs and hem keep the cold out.', 'A kangaroo pocket keeps your hands warm.', 'Machine washable; wash inside out to keep the color.'],
  },
  {
    slug: 'jackets',
    code: 'JK',
    perBlock: 2,
    noun: 'Jacket',
    brands: [...OUTDOOR, ...APPAREL.slice(0, 2)],
    models: ['Voyager', 'Outpost', 'Glacier', 'Tundra', 'Ridgeline', 'Aspen', 'Cirrus', 'Halden'],
    qualifiers: ['Insulated', 'Down', 'Softshell', 'Puffer', 'Fleece', 'Quilted', 'Field', 'Bomber'],
    qualifierChance: 0.9,
    palette: [
      ['black', 5],
      ['navy', 4],
      ['olive', 3],
      ['charcoal', 3],
      ['brown', 2],
      ['tan', 2],
      ['blue', 2],
      ['green', 2],
      ['red', 1],
    ],
    sizes: { kind: 'ladder', ladder: LETTER_SIZES, lengths: APPAREL_LENGTHS, topPremium: 5 },
    price: [90, 350],
    intro: ['The {model} {noun} is a warm, packable layer for cold commutes and winter trails.', 'Equally at home in town and on the trail, the {model} {noun} blocks wind and holds in heat.'],
    materials: [
      'Responsibly sourced 650-fill down sits inside a windproof recycled nylon shell.',
      'Synthetic insulation stays warm even when damp, under a DWR-treated ripstop shell.',
      'A stretchy softshell with a brushed fleece backing moves with you and sheds light snow.',
    ],
    extras: ['Zippered hand pockets and an internal chest pocket keep essentials secure.', 'Packs into its own pocket for travel.', 'An adjustable hem seals out drafts.'],
  },
  {
    slug: 'rain-jackets',
    code: 'RJ',
    perBlock: 2,
    noun: 'Rain Jacket',
    brands: OUTDOOR,
    models: ['Drizzle', 'Monsoon', 'Squall', 'Cloudburst', 'Stormline', 'Tempest'],
    qualifiers: ['Packable', 'Waterproof', '3-Layer', 'Lightweight', 'Hooded'],
    qualifierChance: 0.7,
    palette: [
      ['yellow', 3],
      ['blue', 4],
      ['navy', 3],
      ['black', 4],
      ['red', 2],
      ['green', 2],
      ['orange', 2],
      ['teal', 2],
      ['grey', 2],
    ],
    sizes: { kind: 'ladder', ladder: LETTER_SIZES, lengths: APPAREL_LENGTHS, topPremium: 5 },
    price: [70, 260],
    intro: ['The {model} {noun} keeps you dry through sudden showers and all-day downpours.', 'A featherweight shell for hiking, cycling and city rain, the {model} {noun} stuffs into a daypack.'],
    materials: [
      'A 2.5-layer waterproof, breathable nylon shell with fully taped seams keeps the rain out.',
      'A 3-layer recycled polyester membrane breathes on climbs and stays waterproof in storms.',
      'A PFC-free water-repellent finish beads up rain on the ripstop face fabric.',
    ],
    extras: ['Pit zips vent heat on the way up.', 'The adjustable hood fits over a helmet.', 'Packs into its own chest pocket.'],
  },
  {
    slug: 'jeans',
    code: 'JN',
    perBlock: 2,
    noun: 'Jeans',
    brands: DENIM,
    models: ['Slim Fit', 'Straight Fit', 'Relaxed Fit', 'Tapered Fit', 'Athletic Fit', 'Bootcut'],
    qualifiers: ['Stretch', 'Selvedge', 'Raw Denim', 'Organic Cotton', 'Rigid'],
    qualifierChance: 0.6,
    palette: [
      ['blue', 6],
      ['indigo', 4],
      ['black', 4],
      ['grey', 2],
      ['white', 1],
    ],
    sizes: { kind: 'jeans' },
    price: [45, 140],
    intro: ['The {model} {noun} are a five-pocket classic for every day of the week.', 'Cut to sit at the waist, the {model} {noun} dress up with a blazer or down with a tee.'],
    materials: [
      'Woven from 12 oz cotton denim with a touch of elastane for all-day comfort.',
      'Made of rigid 14 oz selvedge denim that fades to a character all its own.',
      'Organic cotton denim with recycled fibers, finished with copper rivets at the stress points.',
    ],
    extras: ['Wash cold and inside out to keep the color deep.', 'Sizes are waist by inseam, in inches.', 'Hemmed to a clean finish that looks good rolled or straight.'],
  },
  {
    slug: 'shorts',
    code: 'SH',
    perBlock: 2,
    noun: 'Shorts',
    brands: [...APPAREL.slice(0, 3), ...RUNNING.slice(0, 2)],
    models: ['Sprint', 'Harbor', 'Weekend', 'Boardwalk', 'Camp', 'Trailhead'],
    qualifiers: ['Running', 'Chino', 'Cargo', 'Hiking', 'Swim', 'Training'],
    qualifierChance: 0.9,
    palette: [
      ['navy', 4],
      ['black', 4],
      ['grey', 3],
      ['beige', 3],
      ['olive', 2],
      ['blue', 2],
      ['green', 1],
      ['red', 1],
      ['white', 1],
    ],
    sizes: { kind: 'ladder', ladder: LETTER_SIZES, lengths: APPAREL_LENGTHS },
    price: [20, 65],
    intro: ['The {model} {noun} are made for warm days, from the trail to the beach.', 'Light and quick-drying, the {model} {noun} keep up with summer plans.'],
    materials: [
      'A stretch-woven nylon fabric dries fast and resists abrasion.',
      'Soft cotton twill with a hint of stretch keeps them comfortable all day.',
      'Recycled polyester with a brief liner wicks sweat on hard efforts.',
    ],
    extras: ['A zip pocket holds keys and a phone.', 'The elastic waistband has an internal drawcord.', 'A 7-inch inseam hits just above the knee.'],
  },
  {
    slug: 'dresses',
    code: 'DR',
    perBlock: 2,
    noun: 'Dress',
    brands: APPAREL,
    models: ['Seaside', 'Meadow', 'Sunday', 'Riviera', 'Willow', 'Marlowe', 'Juniper'],
    qualifiers: ['Wrap', 'Midi', 'Maxi', 'Shirt', 'Slip', 'Sweater', 'A-Line'],
    qualifierChance: 0.9,
    palette: [
      ['black', 5],
      ['navy', 3],
      ['red', 3],
      ['blue', 2],
      ['green', 2],
      ['pink', 2],
      ['beige', 2],
      ['white', 2],
      ['burgundy', 2],
      ['yellow', 1],
      ['purple', 1],
    ],
    sizes: {
      kind: 'ladder',
      ladder: LETTER_SIZES.slice(0, 5),
      lengths: [
        [3, 3],
        [4, 4],
        [5, 3],
      ],
    },
    price: [35, 160],
    intro: ['The {model} {noun} moves easily from a workday to a dinner out.', 'Effortless and flattering, the {model} {noun} is a warm-weather favorite.'],
    materials: [
      'Flowing viscose crepe drapes beautifully and feels cool against the skin.',
      'Made of breathable linen and cotton that softens with every wash.',
      'A soft, fine-gauge knit in organic cotton keeps its shape.',
    ],
    extras: ['Side-seam pockets, of course.', 'Hand wash or machine wash on a gentle cycle.', 'A self-tie belt defines the waist.'],
  },
  {
    slug: 'socks',
    code: 'SK',
    perBlock: 3,
    noun: 'Socks',
    brands: [...RUNNING.slice(0, 3), ...OUTDOOR.slice(0, 2), 'Threadwise'],
    models: ['Everyday', 'Trail', 'Tempo', 'Merino', 'Hiker', 'Cushion'],
    qualifiers: ['Crew', 'Ankle', 'No-Show', 'Quarter', 'Hiking', 'Running', '3-Pack'],
    qualifierChance: 0.8,
    palette: [
      ['white', 4],
      ['black', 5],
      ['grey', 3],
      ['navy', 2],
      ['blue', 1],
      ['red', 1],
      ['green', 1],
      ['orange', 1],
    ],
    sizes: {
      kind: 'ladder',
      ladder: SOCK_SIZES,
      lengths: [
        [2, 1],
        [3, 3],
      ],
    },
    price: [8, 20],
    intro: ['The {model} {noun} are built for comfort mile after mile.', 'Good socks make the day; the {model} {noun} are ones you will want a drawer full of.'],
    materials: [
      'A merino wool blend regulates temperature and resists odor.',
      'Soft combed cotton with targeted cushioning under the heel and forefoot.',
      'A nylon and spandex blend hugs the arch so the sock never slips.',
    ],
    extras: ['Seamless toes prevent rubbing.', 'Machine wash warm, tumble dry low.', 'Sizes: S fits US shoe 4-6, M 6.5-9, L 9.5-12, XL 12.5-15.'],
  },
  {
    slug: 'backpacks',
    code: 'BP',
    perBlock: 2,
    noun: 'Backpack',
    brands: [...OUTDOOR, ...STREET.slice(0, 2)],
    models: ['Commuter', 'Daypack', 'Summit', 'Transit', 'Roamer', 'Atlas', 'Nomad'],
    qualifiers: ['20L', '28L', '35L', 'Rolltop', 'Laptop', 'Hydration'],
    qualifierChance: 0.8,
    palette: [
      ['black', 6],
      ['grey', 3],
      ['navy', 3],
      ['blue', 2],
      ['olive', 2],
      ['green', 1],
      ['red', 1],
      ['orange', 1],
      ['tan', 1],
    ],
    sizes: { kind: 'none' },
    price: [35, 220],
    intro: ['The {model} {noun} carries a day of gear to the office or the trailhead.', 'Organized and comfortable, the {model} {noun} is made for daily carry and weekend trips.'],
    materials: [
      'A 420D recycled nylon body with a water-resistant coating shrugs off light rain.',
      'Waxed canvas and full-grain leather trim age handsomely over the years.',
      'Tough ripstop polyester with a padded, ventilated back panel keeps it comfortable when full.',
    ],
    extras: ['A padded sleeve fits laptops up to 16 inches.', 'Side pockets hold a water bottle each.', 'Backed by a lifetime warranty.'],
  },
  {
    slug: 'caps',
    code: 'CP',
    perBlock: 2,
    noun: 'Cap',
    brands: [...STREET, ...OUTDOOR.slice(0, 2)],
    models: ['Classic', 'Trail', 'Dad', 'Trucker', 'Five-Panel', 'Performance'],
    qualifiers: ['Cotton Twill', 'Mesh-Back', 'Corduroy', 'Quick-Dry'],
    qualifierChance: 0.5,
    palette: [
      ['black', 5],
      ['navy', 4],
      ['white', 3],
      ['grey', 2],
      ['beige', 2],
      ['olive', 2],
      ['red', 2],
      ['blue', 2],
      ['green', 1],
    ],
    sizes: { kind: 'none' },
    price: [18, 40],
    intro: ['The {model} {noun} keeps the sun out of your eyes on runs, hikes and errands.', 'A low-profile {noun} with a curved brim, the {model} goes with everything.'],
    materials: ['Washed cotton twill gives it a broken-in feel from day one.', 'Lightweight recycled polyester with a moisture-wicking sweatband.'],
    extras: ['One size fits most, with an adjustable strap at the back.', 'Embroidered logo on the front.'],
  },
  {
    slug: 'water-bottles',
    code: 'WB',
    perBlock: 2,
    noun: 'Water Bottle',
    brands: [...OUTDOOR.slice(0, 3), ...ACTIVE.slice(0, 2)],
    models: ['Hydro', 'Summit', 'Everyday', 'Trail', 'Oasis', 'Spring'],
    qualifiers: ['Insulated', 'Stainless Steel', 'Leakproof', 'Wide-Mouth', 'Sport'],
    qualifierChance: 0.8,
    palette: [
      ['black', 3],
      ['white', 2],
      ['blue', 3],
      ['teal', 2],
      ['green', 2],
      ['red', 2],
      ['pink', 2],
      ['purple', 1],
      ['orange', 1],
      ['grey', 2],
      ['yellow', 1],
    ],
    sizes: { kind: 'capacity' },
    price: [15, 45],
    intro: ['The {model} {noun} keeps you hydrated from the morning commute to the summit.', 'Built for desks, gyms and trailheads, the {model} {noun} goes wherever you do.'],
    materials: ['Double-wall vacuum-insulated 18/8 stainless steel never sweats or picks up flavors.', 'BPA-free Tritan plastic is light, shatter-resistant and dishwasher safe.'],
    extras: ['The leakproof lid has a carry loop.', 'Fits most car cup holders.', 'A powder-coat finish gives a sure grip.'],
  },
  {
    slug: 'yoga-mats',
    code: 'YM',
    perBlock: 2,
    noun: 'Yoga Mat',
    brands: ACTIVE,
    models: ['Lotus', 'Balance', 'Flow', 'Anchor', 'Grounded', 'Studio'],
    qualifiers: ['Non-Slip', 'Cork', 'Travel', '6mm', 'Natural Rubber', 'Extra-Thick'],
    qualifierChance: 0.8,
    palette: [
      ['purple', 3],
      ['blue', 3],
      ['teal', 3],
      ['black', 3],
      ['grey', 2],
      ['pink', 2],
      ['green', 2],
      ['beige', 1],
    ],
    sizes: { kind: 'none' },
    price: [25, 120],
    intro: ['The {model} {noun} gives steady footing from sun salutations to long holds.', 'Whether in the studio or the living room, the {model} {noun} cushions joints without feeling spongy.'],
    materials: [
      'Natural tree rubber with a polyurethane top layer grips even in hot yoga.',
      'A cork surface on a TPE base gets grippier as you sweat.',
      'Closed-cell TPE foam resists moisture and wipes clean.',
    ],
    extras: ['Measures 72 by 24 inches.', 'Alignment lines help with positioning.', 'Comes with a cotton carry strap.'],
  },
  {
    slug: 'headlamps',
    code: 'HL',
    perBlock: 1,
    noun: 'Headlamp',
    brands: OUTDOOR,
    models: ['Beacon', 'Nightjar', 'Glowworm', 'Polaris', 'Lantern'],
    qualifiers: ['Rechargeable', '400-Lumen', 'Waterproof', 'Ultralight'],
    qualifierChance: 0.8,
    plain: true,
    palette: [],
    sizes: { kind: 'none' },
    price: [20, 90],
    intro: ['The {model} {noun} lights the way on pre-dawn starts and late finishes.', 'A bright, comfortable {noun} for camping, running and power cuts.'],
    materials: ['A USB-C rechargeable battery runs up to 40 hours on the low setting.', 'An aluminum housing and IPX7 sealing shrug off rain and dust.'],
    extras: ['A red-light mode preserves night vision.', 'The soft elastic strap stays put on the move.'],
  },
  {
    slug: 'trekking-poles',
    code: 'TP',
    perBlock: 1,
    noun: 'Trekking Poles',
    brands: OUTDOOR,
    models: ['Traverse', 'Switchback', 'Cairn', 'Ascent', 'Ridge'],
    qualifiers: ['Carbon', 'Aluminum', 'Folding', 'Cork Grip'],
    qualifierChance: 0.8,
    plain: true,
    palette: [],
    sizes: { kind: 'none' },
    price: [40, 180],
    intro: ['The {model} {noun} take strain off the knees on steep descents.', 'Sold as a pair, the {model} {noun} add balance on river crossings and scree.'],
    materials: ['Carbon fiber shafts keep each pole under 250 grams.', 'Aircraft-grade aluminum shafts survive years of rough use.'],
    extras: ['Flick locks adjust the length from 100 to 135 cm.', 'Carbide tips and rubber feet are included.'],
  },
];

/** Products per block; every block holds each category `perBlock` times. */
const BLOCK = CATEGORIES.reduce((n, c) => n + c.perBlock, 0);
const RUNNING_SHOES = CATEGORIES.findIndex((c) => c.slug === 'running-shoes');

/** The category slugs of the demo catalog. */
export const DEMO_CATEGORIES: readonly string[] = Object.freeze(CATEGORIES.map((c) => c.slug));

// ---------------------------------------------------------------------------------------
// One product.

/** Search-demo roles of the running shoes of a block, by their order in the block. */
type ShoeRole = 'blue-10' | 'not-blue' | 'blue-no-10' | 'free';
const SHOE_ROLES: readonly ShoeRole[] = ['blue-10', 'not-blue', 'blue-no-10', 'free'];

function pickColors(rng: Rng, palette: Palette, role: ShoeRole): Color[] {
  const n = weighted(rng, [
    [2, 6],
    [3, 3],
    [4, 1],
  ] as const);
  const pool = palette.filter(([c]) => role === 'free' || c !== 'blue');
  const colors: Color[] = [];
  if (role === 'blue-10' || role === 'blue-no-10') colors.push('blue');
  while (colors.length < n && pool.length > 0) {
    const color = weighted(rng, pool);
    colors.push(color);
    pool.splice(
      pool.findIndex(([c]) => c === color),
      1,
    );
  }
  // Blue is not always the first color listed.
  if (colors[0] === 'blue' && rng() < 0.6) [colors[0], colors[colors.length - 1]] = [colors[colors.length - 1]!, colors[0]];
  return colors;
}

function shoeSizes(rng: Rng, role: ShoeRole): string[] {
  let first: number;
  let last: number;
  if (role === 'blue-no-10') {
    first = int(rng, 6, 7);
    last = int(rng, 8, 9);
  } else {
    first = int(rng, 6, 9);
    last = Math.min(13, first + int(rng, 3, 5));
    if (role === 'blue-10') last = Math.max(last, 10);
  }
  const sizes: number[] = [];
  for (let s = first; s <= last; s++) sizes.push(s);
  // Half sizes sparingly: a few products get some in the middle of the range.
  if (rng() < 0.25 && last - first >= 2) {
    const halves = int(rng, 1, Math.min(3, last - first - 1));
    const from = int(rng, first, last - halves);
    for (let h = 0; h < halves; h++) sizes.push(from + h + 0.5);
    sizes.sort((a, b) => a - b);
  }
  return sizes.map(String);
}

function ladderSizes(rng: Rng, ladder: readonly string[], lengths: ReadonlyArray<readonly [number, number]>): string[] {
  const length = Math.min(ladder.length, weighted(rng, lengths));
  const from = int(rng, 0, ladder.length - length);
  return ladder.slice(from, from + length);
}

function jeansSizes(rng: Rng): string[] {
  const waists = int(rng, 3, 5);
  const from = int(rng, 0, WAISTS.length - waists);
  // Most jeans come in one inseam; some in two neighbouring ones.
  const inseamFrom = int(rng, 0, INSEAMS.length - 1);
  const inseams = INSEAMS.slice(inseamFrom, inseamFrom + (rng() < 0.35 ? 2 : 1));
  const sizes: string[] = [];
  for (const w of WAISTS.slice(from, from + waists)) for (const l of inseams) sizes.push(`${w}x${l}`);
  return sizes;
}

/** A price in whole units with the cents shops use: .99 mostly, some .00 and .50. */
function basePrice(rng: Rng, [min, max]: readonly [number, number]): number {
  const dollars = min + Math.floor((max - min) * rng() ** 1.4);
  const cents = weighted(rng, [
    [99, 60],
    [0, 25],
    [50, 15],
  ] as const);
  return cents === 99 ? Math.max(min, dollars - 1) * 100 + 99 : dollars * 100 + cents;
}

/** Ratings skewed toward 3.5-4.8, one decimal. */
function rating(rng: Rng): number {
  const r = rng();
  let value: number;
  if (r < 0.03) value = 1 + rng() * 1.5;
  else if (r < 0.15) value = 2.5 + rng();
  else if (r < 0.95) value = 3.5 + ((rng() + rng()) / 2) * 1.3;
  else value = 4.85 + rng() * 0.15;
  return Math.min(5, Math.max(1, Math.round(value * 10) / 10));
}

/** ~8% of SKUs out of stock, ~5% low (1-3), the rest mostly 4-60. */
function units(rng: Rng, max = 60): number {
  const r = rng();
  if (r < 0.08) return 0;
  if (r < 0.13) return int(rng, 1, 3);
  if (r < 0.15 && max >= 60) return int(rng, 61, 150);
  return int(rng, 4, max);
}

function fill(sentence: string, model: string, noun: string): string {
  return sentence.replaceAll('{model}', model).replaceAll('{noun}', noun.toLowerCase());
}

function describe(rng: Rng, spec: CategorySpec, model: string): string {
  const sentences = [pick(rng, spec.intro), pick(rng, spec.materials)];
  const extras = rng() < 0.35 ? 0 : rng() < 0.6 ? 1 : 2;
  const pool = [...spec.extras];
  for (let i = 0; i < extras && pool.length > 0; i++) sentences.push(pool.splice(Math.floor(rng() * pool.length), 1)[0]!);
  return sentences.map((s) => fill(s, model, spec.noun)).join(' ');
}

const EPOCH_MS = Date.parse(DEMO_EPOCH);
const TWO_YEARS_S = 730 * 24 * 3600;

function makeProduct(seed: number, index: number, category: CategorySpec, role: ShoeRole, currency: string): DemoProduct {
  const rng = rngFor(seed, STREAM_PRODUCT, index);
  const id = productId(seed, index);

  const brand = pick(rng, category.brands);
  const limited = category.slug === 'sneakers' && rng() < 0.1;
  let model = pick(rng, category.models);
  if (category.generation !== undefined && rng() < category.generation) model += ` ${int(rng, 2, 5)}`;
  const qualifier = limited ? 'Limited Edition' : rng() < category.qualifierChance ? pick(rng, category.qualifiers) : undefined;
  const title = [brand, model, qualifier, category.noun].filter(Boolean).join(' ');
  const description = describe(rng, category, model);
  const imageCount = weighted(rng, [
    [1, 15],
    [2, 30],
    [3, 35],
    [4, 20],
  ] as const);
  const images = Array.from({ length: imageCount }, (_, n) => `https://images.example.com/${id}/${n + 1}.jpg`);

  // Options: color, then size or capacity.
  const options: ProductOption[] = [];
  let sizeName = 'size';
  if (!category.plain) {
    const colors = pickColors(rng, category.palette, role);
    let sizes: string[] = [];
    const plan = category.sizes;
    if (plan.kind === 'shoe') sizes = shoeSizes(rng, role);
    else if (plan.kind === 'ladder') sizes = ladderSizes(rng, plan.ladder, plan.lengths);
    else if (plan.kind === 'jeans') sizes = jeansSizes(rng);
    else if (plan.kind === 'capacity') {
      sizeName = 'capacity';
      const n = int(rng, 2, 3);
      const from = int(rng, 0, CAPACITIES.length - n);
      sizes = CAPACITIES.slice(from, from + n);
    }
    while (sizes.length > 0 && colors.length * sizes.length > MAX_VARIANTS) sizes.pop();
    options.push({ name: 'color', values: colors });
    if (sizes.length > 0) options.push({ name: sizeName, values: sizes });
  }

  // Variants: one per combination, each priced from the product's base price.
  const base = basePrice(rng, category.price);
  const prefix = `${category.code}-${String(index).padStart(6, '0')}`;
  const colorValues = options[0]?.values ?? [];
  const sizeValues = options[1]?.values ?? [];
  const variants: VariantDraft[] = [];
  const stock: Record<string, number> = {};
  const premium = (size: string, position: number): number => {
    const plan = category.sizes;
    if (plan.kind === 'shoe' && plan.bigSizePremium && Number(size) >= 12) return plan.bigSizePremium;
    if (plan.kind === 'ladder' && plan.topPremium && size === 'XXL') return plan.topPremium;
    if (plan.kind === 'jeans' && Number.parseInt(size, 10) >= 38) return 5;
    if (plan.kind === 'capacity') return position * 4;
    return 0;
  };
  const add = (sku: string, variantOptions: Record<string, string>, amount: number, demo: boolean) => {
    variants.push(limited ? { sku, options: variantOptions, price: { amount, currency }, reserveOnAddToCart: true } : { sku, options: variantOptions, price: { amount, currency } });
    stock[sku] = demo ? int(rng, 5, 60) : units(rng, limited ? 20 : 60);
  };
  if (colorValues.length === 0) add(prefix, {}, base, false);
  for (const color of colorValues) {
    const colorCode = COLOR_CODES[color as Color];
    if (sizeValues.length === 0) add(`${prefix}-${colorCode}`, { color }, base, false);
    sizeValues.forEach((size, position) => {
      const sku = `${prefix}-${colorCode}-${size.replace(/\s+/g, '').toUpperCase()}`;
      const demo = role === 'blue-10' && color === 'blue' && size === '10';
      add(sku, { color, [sizeName]: size }, base + premium(size, position) * 100, demo);
    });
  }

  const createdAt = new Date(EPOCH_MS - (1 + Math.floor(rng() * TWO_YEARS_S)) * 1000).toISOString();
  return {
    id,
    draft: { title, description, brand, category: category.slug, images, rating: rating(rng), options, variants },
    stock,
    createdAt,
  };
}

/** The category of every position of a block: each category `perBlock` times, shuffled per block. */
function blockDeck(seed: number, block: number): number[] {
  const deck: number[] = [];
  CATEGORIES.forEach((c, i) => {
    for (let k = 0; k < c.perBlock; k++) deck.push(i);
  });
  const rng = rngFor(seed, STREAM_DECK, block);
  for (let i = deck.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [deck[i], deck[j]] = [deck[j]!, deck[i]!];
  }
  return deck;
}

/**
 * The demo catalog, lazily: products `start` to `count - 1`. Same options, same products
 * in the same order, on every machine.
 */
export function* generateDemoCatalog(options: DemoCatalogOptions): Generator<DemoProduct> {
  const { count, currency = 'USD', seed = 1, start = 0 } = options;
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`start must be a non-negative integer, got ${start}`);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  if (!/^[A-Z]{3}$/.test(currency)) throw new RangeError(`currency must be an ISO 4217 code, got ${currency}`);

  let deckBlock = -1;
  let deck: number[] = [];
  for (let index = start; index < count; index++) {
    const block = Math.floor(index / BLOCK);
    if (block !== deckBlock) {
      deck = blockDeck(seed, block);
      deckBlock = block;
    }
    const position = index - block * BLOCK;
    const categoryIndex = deck[position]!;
    let role: ShoeRole = 'free';
    if (categoryIndex === RUNNING_SHOES) {
      let ordinal = 0;
      for (let p = 0; p < position; p++) if (deck[p] === RUNNING_SHOES) ordinal++;
      role = SHOE_ROLES[ordinal] ?? 'free';
    }
    yield makeProduct(seed, index, CATEGORIES[categoryIndex]!, role, currency);
  }
}
