export { GeoDataError } from "./csv.js";
export {
  type GeoCsv,
  GeoDatabase,
  type GeoOptions,
  type GeoResult,
  type GeoStats,
} from "./database.js";
export {
  type SpecialPurposeBlock,
  specialPurposeOf,
  specialPurposeOf4,
  specialPurposeOfText,
  specialPurposeOfWords,
} from "./special-purpose.js";
