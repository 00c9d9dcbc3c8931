import { describe, expect, it } from 'vitest';
import type { Obj } from '../src/engine/stripe/discounts.js';
import { listedSubscriptionFacts } from '../src/engine/stripe/history.js';
import { JAN, MAR, type Invoice, type Subscription } from './helpers/stripe-objects.js';
import { FEB15, itemFeb, MAR10, seatInvoices, seatsFeb, seatsNow, smaller } from './helpers/stripe-seats.js';

/**
 * The items a listed subscription had over time, read from its invoices' lines (the story of
 * helpers/stripe-seats.ts: 2 seats at $100, 5 from February 15th, the $80 price from March 10th).
 */
const prices = new Map<string, Obj>([[itemFeb.price.id, itemFeb.price], [smaller.id, smaller]]);

function told(invoices: readonly object[], book: ReadonlyMap<string, Obj> = prices, sub: Subscription = seatsNow): Array<[number, Array<[string, number | null | undefined]>]> {
  return listedSubscriptionFacts(sub, invoices as Obj[], book).map((f) => {
    if (f.kind !== 'subscription') throw new Error('a subscription state was expected');
    const items = (f.state.object.items as Subscription['items']).data;
    return [f.state.effectiveAt / 1000, items.map((i): [string, number | null | undefined] => [i.price.id, i.quantity])];
  });
}

const A = itemFeb.price.id;
const B = smaller.id;

/** The same invoice in the shape of versions before 2025-03-31.basil: `subscription`, `type`, `proration`, `price` expanded. */
function acacia(invoice: Invoice): object {
  return {
    id: invoice.id, object: 'invoice', status: invoice.status, subscription: invoice.parent.subscription_details.subscription,
    lines: { object: 'list', data: invoice.lines.data.map((l) => {
      const proration = l.parent.subscription_item_details.proration;
      const price = prices.get(String(l.pricing.price_details.price));
      return { id: l.id, object: 'line_item', type: proration ? 'invoiceitem' : 'subscription', proration, amount: l.amount, quantity: l.quantity,
        period: l.period, subscription_item: l.parent.subscription_item_details.subscription_item, price };
    }) },
  };
}

describe('a subscription\'s items over time, from its invoices', () => {
  it('each billed period gives its items; a proration dates the change within a period', () => {
    expect(told(seatInvoices)).toEqual([[JAN, [[A, 2]]], [FEB15, [[A, 5]]], [MAR10, [[B, 5]]]]);
  });

  it('a change no invoice shows yet gives today\'s items from the latest billed period', () => {
    expect(told(seatInvoices.slice(0, 3))).toEqual([[JAN, [[A, 2]]], [FEB15, [[A, 5]]], [MAR, [[B, 5]]]]);
  });

  it('without prorations, a change shows from the period whose invoice first bills it', () => {
    const regular = seatInvoices.slice(0, 3).map((i) => ({ ...i, lines: { ...i.lines, data: i.lines.data.filter((l) => !l.parent.subscription_item_details.proration) } }));
    expect(told(regular, prices, seatsFeb)).toEqual([[JAN, [[A, 2]]], [MAR, [[A, 5]]]]);
  });

  it('reads the shape of versions before 2025-03-31.basil alike, prices expanded on the lines', () => {
    expect(told(seatInvoices.map(acacia), new Map())).toEqual(told(seatInvoices));
  });

  it('a void invoice tells nothing; a price known nowhere leaves today\'s items throughout', () => {
    expect(told(seatInvoices.map((i) => (i.id === 'in_seats_3' ? { ...i, status: 'void' } : i)))).toEqual([[JAN, [[A, 2]]], [MAR10, [[B, 5]]]]);
    expect(told(seatInvoices, new Map())).toEqual([[JAN, [[B, 5]]]]);
  });
});
