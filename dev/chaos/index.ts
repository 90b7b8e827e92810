// Chaos faults for the partner simulator: seeded planner, seeded API faults, and a partner that follows them.
export { DEFAULT_CHAOS_FAULTS, type ApiFaults, type ChaosFaults, type DeliveryFaults } from './chaosFaults';
export { ChaosFaultPlan, type ApiFaultCounts } from './apiFaults';
export {
  ChaosPartner,
  DEFAULT_PARTNER_RETRY,
  type ChaosPartnerOptions,
  type PartnerRetry,
  type PartnerStats,
} from './chaosPartner';
export { DeliveryPlanner, OBJECT_TYPES, type ChangePlan, type Mutation } from './planner';
export { chance, fnv1a, hashUnit, intBetween, mulberry32, stream, type Random } from './prng';
