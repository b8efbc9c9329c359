/**
 * Units of measure written after an answer ("50 mm", "3\text{ hours}", "0.5\,\mathrm{kg}", "30^\circ", "5 厘米",
 * "12 cm^2", "60 km/h"): what dimension they measure and their size in that dimension's base unit, so that compatible
 * units convert (50 mm = 5 cm) and incompatible ones do not compare (5 m ≠ 5 s). Count words (apples, people) are
 * not units here: the parser drops them as before.
 */

export interface Unit {
  /** The unit as written, for reasons. */
  text: string;
  /** length, mass, time, volume, angle, money, or a product/quotient of them ("length^2", "length/time"). */
  dimension: string;
  /** Size in the dimension's base unit as LaTeX the parser reads (m, kg, s, l, rad, dollar): "0.01", "\\pi/180". */
  factor: string;
}

type Base = { dimension: string; factor: string };

const TABLE: [string[], string, string][] = [
  // length (m)
  [['mm', 'millimeter', 'millimeters', 'millimetre', 'millimetres', '毫米'], 'length', '0.001'],
  [['cm', 'centimeter', 'centimeters', 'centimetre', 'centimetres', '厘米', '公分'], 'length', '0.01'],
  [['dm', 'decimeter', 'decimeters', 'decimetre', 'decimetres', '分米'], 'length', '0.1'],
  [['m', 'meter', 'meters', 'metre', 'metres', '米'], 'length', '1'],
  [['km', 'kilometer', 'kilometers', 'kilometre', 'kilometres', '千米', '公里'], 'length', '1000'],
  [['inch', 'inches'], 'length', '0.0254'],
  [['ft', 'foot', 'feet'], 'length', '0.3048'],
  [['yd', 'yard', 'yards'], 'length', '0.9144'],
  [['mi', 'mile', 'miles'], 'length', '1609.344'],
  // mass (kg)
  [['mg', 'milligram', 'milligrams', '毫克'], 'mass', '0.000001'],
  [['g', 'gram', 'grams', 'gramme', 'grammes', '克'], 'mass', '0.001'],
  [['kg', 'kilogram', 'kilograms', 'kilo', 'kilos', '千克', '公斤'], 'mass', '1'],
  [['tonne', 'tonnes', '吨'], 'mass', '1000'],
  [['lb', 'lbs', 'pound', 'pounds'], 'mass', '0.45359237'],
  [['oz', 'ounce', 'ounces'], 'mass', '0.028349523125'],
  [['斤'], 'mass', '0.5'],
  // time (s)
  [['s', 'sec', 'secs', 'second', 'seconds', '秒', '秒钟'], 'time', '1'],
  [['min', 'mins', 'minute', 'minutes', '分钟'], 'time', '60'],
  [['h', 'hr', 'hrs', 'hour', 'hours', '小时', '时', '个小时'], 'time', '3600'],
  [['day', 'days', '天', '日'], 'time', '86400'],
  [['week', 'weeks', 'wk', 'wks', '周', '星期', '个星期'], 'time', '604800'],
  // volume (litre)
  [['ml', 'mL', 'milliliter', 'milliliters', 'millilitre', 'millilitres', '毫升'], 'volume', '0.001'],
  [['l', 'L', 'liter', 'liters', 'litre', 'litres', '升'], 'volume', '1'],
  // angle (radian)
  [['°', 'deg', 'degree', 'degrees', '度'], 'angle', '\\pi/180'],
  [['rad', 'rads', 'radian', 'radians', '弧度'], 'angle', '1'],
  // money
  [['dollar', 'dollars', 'usd'], 'money-usd', '1'],
  [['cent', 'cents', '¢'], 'money-usd', '0.01'],
  [['元', '块', 'yuan', 'rmb'], 'money-cny', '1'],
  [['角', '毛'], 'money-cny', '0.1'],
];

const UNITS = new Map<string, Base>();
for (const [names, dimension, factor] of TABLE) for (const n of names) UNITS.set(n, { dimension, factor });

/** Single letters are units only when set apart from the number ("5 m", "5\,\mathrm{m}"), never in "5m" (5·m). */
const SINGLE_LETTER = /^[a-zA-Z]$/;

/** A unit phrase ("cm", "square centimeters", "km/h", "平方米", "cm^2") → its dimension and factor, or null. */
export function readUnit(phrase: string): Base | null {
  let p = phrase.trim().replace(/\s+/g, ' ').replace(/\.$/, '');
  if (p === '') return null;
  // per: km/h, km per hour, 千米/小时, 米每秒
  const per = /^(.+?)\s*(?:\/|\bper\b|每)\s*(.+)$/.exec(p);
  if (per) {
    const a = readUnit(per[1]);
    const b = readUnit(per[2]);
    return a && b ? { dimension: `${a.dimension}/${b.dimension}`, factor: `(${a.factor})/(${b.factor})` } : null;
  }
  let power = 1;
  const pre = /^(square|sq\.?|cubic|cu\.?|平方|立方)\s*/i.exec(p);
  if (pre) {
    power = /^(cubic|cu|立方)/i.test(pre[1]) ? 3 : 2;
    p = p.slice(pre[0].length);
  }
  const post = /\s*(?:\^\s*\{?\s*([23])\s*\}?|([²³]))$/.exec(p);
  if (post) {
    power = post[1] ? Number(post[1]) : post[2] === '²' ? 2 : 3;
    p = p.slice(0, post.index);
  }
  const base = UNITS.get(p) ?? UNITS.get(p.toLowerCase());
  if (!base) return null;
  if (power === 1) return base;
  if (base.dimension !== 'length') return null;
  return { dimension: `length^${power}`, factor: `(${base.factor})^${power}` };
}

const UNIT_END = /(?:[A-Za-z\u3400-\u9fff°¢}²³]|\^\s*\{?\s*[23])[\s.。,;:!$]*$/u;

/** Unit spellings that wrap the unit: \text{ cm}, \mathrm{kg}, \mbox{ hours}, \textrm{m}, \operatorname{cm}. */
const WRAPPED = /\\(?:text|mathrm|mbox|textrm|rm|operatorname|textnormal|mathit)\s*\{([^{}]*)\}/g;

/**
 * Split a trailing unit off an answer: "50 mm" → {value: "50", unit: mm}. Null when the answer ends in no known
 * unit (so "5 apples", "x cm" with no number before, or "5m" keep their meaning for the parser).
 */
export function splitUnit(answer: string): { value: string; unit: Unit } | null {
  // A unit ends the answer in a letter, a CJK character, a brace (\text{cm}), a degree sign or a power (cm^2).
  if (!UNIT_END.test(answer)) return null;
  let s = answer.trim().replace(/[\s.。,;:!]+$/u, '').replace(/^\$+|\$+$/g, '').trim();
  // Degrees have their own spellings: 30^\circ, 30^{\circ}, 30°, 30\degree.
  const deg = /(?:\^\s*\{\s*\\circ\s*\}|\^\s*\\circ(?![a-zA-Z])|°|\\degree(?![a-zA-Z]))\s*$/.exec(s);
  if (deg) {
    const value = s.slice(0, deg.index).trim();
    return /[\d}]$/.test(value) ? { value, unit: { text: '°', ...UNITS.get('°')! } } : null;
  }
  // Unwrap a trailing \text{…} (and a power after it): "15\mbox{ cm}^2" → "15 cm^2".
  s = s.replace(WRAPPED, (_m, body: string) => ` ${body} `).replace(/\\[,;: !]|~/g, ' ').replace(/\s+/g, ' ').trim();
  const m = /^(.*?(?:[\d})]|\\pi|π))\s*((?:square |sq\.? |cubic |cu\.? |平方|立方)?[A-Za-z\u4e00-\u9fff°¢µ]+(?:\s*(?:\/|per|每)\s*[A-Za-z\u4e00-\u9fff]+)?(?:\s*\^\s*\{?\s*[23]\s*\}?|[²³])?)$/iu.exec(s);
  if (!m) return null;
  const [, value, phrase] = m;
  const spaced = /\s$/.test(s.slice(0, s.length - phrase.length));
  if (SINGLE_LETTER.test(phrase.replace(/\s*(\^.*|[²³])$/, '')) && !spaced) return null;
  const unit = readUnit(phrase);
  return unit ? { value: value.trim(), unit: { text: phrase.trim(), ...unit } } : null;
}
