export * from "./event-queue.js";
export * from "./host-clock.js";
export * from "./local-timer.js";
export * from "./random.js";
export * from "./simulator.js";
export * from "./time.js";
