// A real shop's data, deterministic (the same figures on every run): a grocery catalogue with
// realistic names in 40 categories, EAN-13 barcodes as SKUs, stock on every product, and a
// month of sales from a few tills. Used by `npm run bench:shop` (scripts/bench-shop.mjs) and
// `node scripts/shop-data.mjs --csv N > catalogue.csv` (a file for `edgecart import`).
import { random } from '../test/random.js';

const CATEGORIES = [
  ['DAIRY', 'Dairy', ['Milk', 'Yogurt', 'Butter', 'Cheddar', 'Cream', 'Kefir', 'Mozzarella', 'Skyr']],
  ['BAKERY', 'Bakery', ['Sourdough', 'Bagels', 'Croissants', 'Rye Bread', 'Muffins', 'Baguette', 'Brioche', 'Pita']],
  ['PRODUCE', 'Fruit and vegetables', ['Apples', 'Bananas', 'Carrots', 'Tomatoes', 'Spinach', 'Avocados', 'Onions', 'Peppers']],
  ['MEAT', 'Meat', ['Chicken Thighs', 'Beef Mince', 'Pork Chops', 'Lamb Shoulder', 'Turkey Breast', 'Bacon', 'Sausages', 'Ham']],
  ['FISH', 'Fish', ['Salmon Fillet', 'Cod Loin', 'Tuna Steak', 'Prawns', 'Mackerel', 'Sardines', 'Haddock', 'Trout']],
  ['FROZEN', 'Frozen', ['Peas', 'Pizza', 'Ice Cream', 'Berries', 'Chips', 'Dumplings', 'Fish Fingers', 'Edamame']],
  ['PANTRY', 'Pantry', ['Basmati Rice', 'Penne', 'Spaghetti', 'Lentils', 'Chickpeas', 'Flour', 'Oats', 'Couscous']],
  ['CANNED', 'Canned food', ['Chopped Tomatoes', 'Sweetcorn', 'Kidney Beans', 'Coconut Milk', 'Tuna Chunks', 'Soup', 'Peaches', 'Olives']],
  ['SNACKS', 'Snacks', ['Crisps', 'Pretzels', 'Popcorn', 'Rice Crackers', 'Trail Mix', 'Nachos', 'Almonds', 'Cashews']],
  ['SWEETS', 'Sweets', ['Dark Chocolate', 'Milk Chocolate', 'Gummy Bears', 'Toffee', 'Licorice', 'Marshmallows', 'Fudge', 'Mints']],
  ['BISCUITS', 'Biscuits', ['Digestives', 'Shortbread', 'Cookies', 'Wafers', 'Ginger Nuts', 'Oatcakes', 'Crackers', 'Flapjacks']],
  ['CEREAL', 'Breakfast', ['Granola', 'Cornflakes', 'Muesli', 'Porridge Oats', 'Bran Flakes', 'Puffed Rice', 'Honey Loops', 'Wheat Biscuits']],
  ['COFFEE', 'Coffee', ['Ground Coffee', 'Coffee Beans', 'Instant Coffee', 'Espresso Pods', 'Decaf Beans', 'Cold Brew', 'Filter Coffee', 'Mocha Mix']],
  ['TEA', 'Tea', ['Green Tea', 'Black Tea', 'Earl Grey', 'Chamomile', 'Peppermint Tea', 'Matcha', 'Rooibos', 'Chai']],
  ['JUICE', 'Juice', ['Orange Juice', 'Apple Juice', 'Grape Juice', 'Cranberry Juice', 'Smoothie', 'Lemonade', 'Pineapple Juice', 'Tomato Juice']],
  ['WATER', 'Water', ['Still Water', 'Sparkling Water', 'Mineral Water', 'Flavoured Water', 'Coconut Water', 'Spring Water', 'Tonic Water', 'Soda Water']],
  ['SODA', 'Soft drinks', ['Cola', 'Ginger Ale', 'Root Beer', 'Orange Soda', 'Lemon Soda', 'Energy Drink', 'Iced Tea', 'Cream Soda']],
  ['BEER', 'Beer', ['Lager', 'Pale Ale', 'Stout', 'Pilsner', 'Wheat Beer', 'IPA', 'Porter', 'Cider']],
  ['WINE', 'Wine', ['Merlot', 'Chardonnay', 'Rioja', 'Prosecco', 'Pinot Noir', 'Sauvignon Blanc', 'Rose', 'Malbec']],
  ['SPICES', 'Herbs and spices', ['Black Pepper', 'Paprika', 'Cumin', 'Oregano', 'Cinnamon', 'Turmeric', 'Chili Flakes', 'Garlic Powder']],
  ['SAUCES', 'Sauces', ['Ketchup', 'Mayonnaise', 'Mustard', 'Soy Sauce', 'Pesto', 'Salsa', 'Hot Sauce', 'Barbecue Sauce']],
  ['OILS', 'Oils and vinegar', ['Olive Oil', 'Sunflower Oil', 'Sesame Oil', 'Balsamic Vinegar', 'Cider Vinegar', 'Rapeseed Oil', 'Coconut Oil', 'Rice Vinegar']],
  ['SPREADS', 'Spreads', ['Peanut Butter', 'Strawberry Jam', 'Honey', 'Marmalade', 'Hazelnut Spread', 'Lemon Curd', 'Almond Butter', 'Yeast Extract']],
  ['BABY', 'Baby', ['Baby Food', 'Nappies', 'Baby Wipes', 'Formula', 'Rusks', 'Baby Lotion', 'Fruit Pouches', 'Teething Gel']],
  ['PET', 'Pet care', ['Dog Food', 'Cat Food', 'Cat Litter', 'Dog Treats', 'Bird Seed', 'Fish Flakes', 'Chew Toy', 'Flea Drops']],
  ['CLEAN', 'Cleaning', ['Washing Up Liquid', 'Bleach', 'Surface Spray', 'Sponges', 'Bin Bags', 'Glass Cleaner', 'Floor Cleaner', 'Descaler']],
  ['LAUNDRY', 'Laundry', ['Laundry Liquid', 'Fabric Softener', 'Stain Remover', 'Washing Powder', 'Laundry Pods', 'Dryer Sheets', 'Starch Spray', 'Colour Catcher']],
  ['PAPER', 'Paper goods', ['Toilet Roll', 'Kitchen Roll', 'Tissues', 'Napkins', 'Foil', 'Cling Film', 'Baking Paper', 'Freezer Bags']],
  ['BATH', 'Bath and shower', ['Shower Gel', 'Shampoo', 'Conditioner', 'Bar Soap', 'Bubble Bath', 'Body Lotion', 'Hand Wash', 'Bath Salts']],
  ['DENTAL', 'Dental care', ['Toothpaste', 'Toothbrush', 'Mouthwash', 'Dental Floss', 'Whitening Strips', 'Interdental Brushes', 'Kids Toothpaste', 'Denture Tabs']],
  ['HEALTH', 'Health', ['Paracetamol', 'Ibuprofen', 'Plasters', 'Vitamin C', 'Vitamin D', 'Antiseptic Cream', 'Cough Syrup', 'Throat Lozenges']],
  ['BEAUTY', 'Beauty', ['Lip Balm', 'Face Cream', 'Mascara', 'Nail Polish', 'Cleanser', 'Sun Cream', 'Deodorant', 'Hand Cream']],
  ['DELI', 'Deli', ['Hummus', 'Olive Tapenade', 'Salami', 'Prosciutto', 'Feta', 'Coleslaw', 'Falafel', 'Guacamole']],
  ['READY', 'Ready meals', ['Lasagne', 'Chicken Curry', 'Mac and Cheese', 'Cottage Pie', 'Risotto', 'Pad Thai', 'Chili con Carne', 'Paella']],
  ['WORLD', 'World foods', ['Miso Paste', 'Tortillas', 'Noodles', 'Kimchi', 'Curry Paste', 'Rice Paper', 'Tahini', 'Harissa']],
  ['BAKING', 'Baking', ['Caster Sugar', 'Baking Powder', 'Vanilla Extract', 'Cocoa Powder', 'Icing Sugar', 'Yeast', 'Chocolate Chips', 'Food Colouring']],
  ['EGGS', 'Eggs', ['Free Range Eggs', 'Duck Eggs', 'Quail Eggs', 'Egg Whites', 'Organic Eggs', 'Large Eggs', 'Medium Eggs', 'Barn Eggs']],
  ['FLOWERS', 'Flowers', ['Tulips', 'Roses', 'Sunflowers', 'Lilies', 'Carnations', 'Daffodils', 'Orchid', 'Chrysanthemums']],
  ['HOME', 'Home', ['Candles', 'Light Bulbs', 'Batteries', 'Matches', 'Storage Box', 'Coat Hangers', 'Picture Hooks', 'Extension Lead']],
  ['KITCHEN', 'Kitchenware', ['Mixing Bowl', 'Chopping Board', 'Tea Towels', 'Oven Gloves', 'Measuring Jug', 'Whisk', 'Spatula', 'Grater']],
];
const BRANDS = ['Harvest', 'Northfield', 'Golden Vale', 'Bluebell', 'Riverside', 'Oakwood', 'Sunrise', 'Meadow', 'Highland',
  'Coastal', 'Green Leaf', 'Stonebridge', 'Willow', 'Silver Birch', 'Maple', 'Red Kite', 'Evergreen', 'Fairfield', 'Kingsway',
  'Brookside', 'Summit', 'Heritage', 'Clearwater', 'Wildflower', 'Ashford'];
const STYLES = ['Organic', 'Classic', 'Light', 'Extra', 'Original', 'Family', 'Premium', 'Value', 'Smooth', 'Mild',
  'Spicy', 'Fresh', 'Whole', 'Mini', 'Large', 'Reduced Salt', 'Wholegrain', 'Sweet', 'Natural', 'Free From'];
const SIZES = ['100g', '200g', '250g', '400g', '500g', '750g', '1kg', '2kg', '330ml', '500ml', '1L', '2L', '6 pack', '12 pack', 'x4', 'x10'];

/** The EAN-13 of a 12-digit number: the digits and their check digit. */
export function ean13(twelve) {
  const d = String(twelve).padStart(12, '0');
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(d[i]) * (i % 2 ? 3 : 1);
  return d + String((10 - (sum % 10)) % 10);
}

/**
 * The shop: {categories: [{code, name}], products: [{code, name, categoryCode, sku, price,
 * currency, quantity}], sales: [{day, till, lines: [{productCode, quantity}]}]}.
 */
export function generateShop({ products = 20000, categories = 40, days = 30, salesPerDay = 300, tills = 4, seed = 2026 } = {}) {
  const rnd = random(seed);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const cats = CATEGORIES.slice(0, Math.min(categories, CATEGORIES.length));
  const out = [];
  for (let i = 0; i < products; i++) {
    const [categoryCode, , nouns] = cats[i % cats.length];
    const name = `${pick(BRANDS)} ${pick(STYLES)} ${pick(nouns)} ${pick(SIZES)}`;
    const cents = 49 + Math.floor(rnd() * 2950);  // 0.49 .. 29.98
    out.push({
      code: `P${String(i + 1).padStart(6, '0')}`,
      name,
      categoryCode,
      sku: ean13(490000000000 + i * 7 + 3),
      price: cents / 100,
      currency: 'USD',
      quantity: 20 + Math.floor(rnd() * 480),
    });
  }
  // Sales: a few popular products sell most (a Zipf-like pick), 1-6 lines each.
  const sales = [];
  for (let day = 0; day < days; day++) {
    for (let s = 0; s < salesPerDay; s++) {
      const lines = new Map();
      const n = 1 + Math.floor(rnd() * 6);
      for (let k = 0; k < n; k++) {
        const index = Math.min(products - 1, Math.floor(products * rnd() ** 3));
        lines.set(out[index].code, (lines.get(out[index].code) ?? 0) + 1);
      }
      sales.push({ day, till: `till-${1 + (s % tills)}`, lines: [...lines].map(([productCode, quantity]) => ({ productCode, quantity })) });
    }
  }
  return { categories: cats.map(([code, name]) => ({ code, name })), products: out, sales };
}

const csvField = (v) => (/[",\n\r]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));

/** Products as the CSV `POST /products/import` and `edgecart import` take. */
export function toCsv(products) {
  const columns = ['code', 'name', 'categoryCode', 'sku', 'price', 'currency', 'quantity'];
  return `${columns.join(',')}\n${products.map((p) => columns.map((c) => csvField(p[c])).join(',')).join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--csv');
  const n = i > 0 ? Number(process.argv[i + 1]) : 20000;
  process.stdout.write(toCsv(generateShop({ products: n, days: 0 }).products));
}
