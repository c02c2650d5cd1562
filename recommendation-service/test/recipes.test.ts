import { describe, expect, it } from 'vitest';
import { customerText, productText } from '../src/text/recipes.js';

describe('the original text recipes', () => {
  it('product: category,title,tags lower-cased and trimmed, tags sorted', () => {
    expect(
      productText({
        categoryTitle: ' Electronics ',
        productTitle: 'Smartphone Galaxy S22',
        tags: ['Smartphone', 'Samsung', '5G', 'AMOLED', 'Camera'],
      }),
    ).toBe('electronics,smartphone galaxy s22,5g,amoled,camera,samsung,smartphone');
  });

  it('customer: profile then sorted de-duplicated categories, products and tags of the history', () => {
    const text = customerText(
      { age: 30, gender: 'Female', location: 'New York', preference: 'Electronics' },
      [
        { productTitle: 'Running Shoes', categoryTitle: 'Sports', tags: ['Shoes', 'Run'] },
        { productTitle: 'Phone', categoryTitle: 'Electronics', tags: ['phone', 'shoes'] },
      ],
    );
    expect(text).toBe(
      '30,female,new york,electronics,electronics,sports,phone,running shoes,phone,run,shoes',
    );
  });
});
