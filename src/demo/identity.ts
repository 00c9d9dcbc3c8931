/**
 * Ids and names. Every id is a keyed bijection of a counter, so ids are unique by construction,
 * deterministic for a seed, and different for another seed.
 *
 * Actor numbering: users (signups) are 0..users-1; non-converting visitors follow from `users`.
 * A message id is (actor, per-actor sequence number); anonymous ids are (actor, device).
 */
import { hashKey, hex8, permute32, uuidFrom, type Rng } from './prng.js';

export class Ids {
  private readonly messageKey: number;
  private readonly anonKey: number;
  private readonly userKey: number;
  private readonly accountKey: number;

  constructor(seed: number) {
    this.messageKey = hashKey(seed, 0x1001);
    this.anonKey = hashKey(seed, 0x1002);
    this.userKey = hashKey(seed, 0x1003);
    this.accountKey = hashKey(seed, 0x1004);
  }

  message(actor: number, seq: number): string {
    return uuidFrom(actor, seq, this.messageKey);
  }

  anonymous(actor: number, device = 0): string {
    return uuidFrom(actor, device, this.anonKey);
  }

  user(index: number): string {
    return `usr_${hex8(permute32(index, this.userKey))}`;
  }

  account(index: number): string {
    return `acct_${hex8(permute32(index, this.accountKey))}`;
  }
}

const FIRST = [
  'Ada', 'Alex', 'Amara', 'Ana', 'Ben', 'Carla', 'Chen', 'Dana', 'David', 'Elena', 'Emeka', 'Eva', 'Farah',
  'Felix', 'Grace', 'Hana', 'Hugo', 'Ines', 'Ivan', 'Jade', 'James', 'Jonas', 'Kai', 'Kemi', 'Lars', 'Lea',
  'Leo', 'Lina', 'Luca', 'Maya', 'Mei', 'Mia', 'Nadia', 'Nikhil', 'Noah', 'Omar', 'Paula', 'Priya', 'Rafael',
  'Rosa', 'Sam', 'Sara', 'Sofia', 'Tariq', 'Tom', 'Uma', 'Victor', 'Yara', 'Yuki', 'Zoe',
];
const LAST = [
  'Adams', 'Berg', 'Costa', 'Diaz', 'Eriksen', 'Fischer', 'Garcia', 'Hughes', 'Ito', 'Jensen', 'Kaur', 'Khan',
  'Kim', 'Lopez', 'Martin', 'Meyer', 'Moreau', 'Nakamura', 'Novak', 'Okafor', 'Olsen', 'Patel', 'Perez',
  'Rossi', 'Sato', 'Schmidt', 'Silva', 'Singh', 'Smith', 'Tanaka', 'Torres', 'Wang', 'Weber', 'Wilson', 'Zhang',
];
const COMPANY_A = [
  'Blue', 'Bright', 'Clear', 'Copper', 'Ember', 'Granite', 'Harbor', 'Iron', 'Juniper', 'Lumen', 'Maple',
  'North', 'Nova', 'Oak', 'Orbit', 'Pine', 'Quartz', 'River', 'Silver', 'Summit', 'Tidal', 'Vector', 'Willow',
];
const COMPANY_B = [
  'Analytics', 'Bio', 'Cloud', 'Data', 'Design', 'Dynamics', 'Foods', 'Games', 'Health', 'Labs', 'Logistics',
  'Media', 'Robotics', 'Security', 'Software', 'Studio', 'Systems', 'Ventures', 'Works',
];
export const INDUSTRIES = ['software', 'fintech', 'healthcare', 'ecommerce', 'education', 'media', 'logistics', 'agency'];

export interface Person {
  name: string;
  email: string;
  company: string;
  domain: string;
}

/** A person and their company. */
export function person(rng: Rng): Person {
  const first = rng.pick(FIRST);
  const last = rng.pick(LAST);
  const a = rng.pick(COMPANY_A);
  const b = rng.pick(COMPANY_B);
  const company = `${a} ${b}`;
  const domain = `${a}${b}.com`.toLowerCase();
  return { name: `${first} ${last}`, email: `${first}.${last}@${domain}`.toLowerCase(), company, domain };
}
