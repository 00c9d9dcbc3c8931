import { FEB, invoice, JAN, line, MAR, price, subscription, type Subscription } from './stripe-objects.js';

/**
 * A change of plan told by invoices. sub_seats, listed at the end of March as 5 seats at $80:
 * - from January 1st, 2 seats at $100 ($200), invoiced on January 1st and February 1st;
 * - on February 15th, 5 seats (prorations on the March 1st invoice, which bills 5 seats at $100): $500;
 * - on March 10th, the $80 price, invoiced at once (prorations only): $400.
 */
export const DAY = 86400;
export const FEB15 = FEB + 14 * DAY;
export const MAR10 = MAR + 9 * DAY;
export const APR = MAR + 31 * DAY;
export const seatsJan = subscription('sub_seats', 10_000, []);
seatsJan.items.data[0].quantity = 2;
export const seatsFeb: Subscription = { ...seatsJan, items: { object: 'list', data: [{ ...seatsJan.items.data[0], quantity: 5 }] } };
export const smaller = { ...price(8_000, 'month'), nickname: 'team-small' };
export const seatsNow: Subscription = { ...seatsJan, items: { object: 'list', data: [{ ...seatsFeb.items.data[0], price: smaller }] } };
export const [itemJan, itemFeb, itemNow] = [seatsJan, seatsFeb, seatsNow].map((s) => s.items.data[0]);
export const seatInvoices = [
  invoice('in_seats_1', seatsJan, JAN, FEB, {}),
  invoice('in_seats_2', seatsJan, FEB, MAR, {}),
  invoice('in_seats_3', seatsFeb, MAR, APR, {}, [
    line('il_seats_3a', seatsFeb, itemJan, FEB15, MAR, { amount: -10_000 }),
    line('il_seats_3b', seatsFeb, itemFeb, FEB15, MAR, { amount: 25_000 }),
    line('il_seats_3c', seatsFeb, itemFeb, MAR, APR),
  ]),
  invoice('in_seats_4', seatsNow, MAR10, APR, {}, [
    line('il_seats_4a', seatsNow, itemFeb, MAR10, APR, { amount: -35_484 }),
    line('il_seats_4b', seatsNow, itemNow, MAR10, APR, { amount: 28_387 }),
  ]),
];
