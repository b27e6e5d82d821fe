// ns-3 side of the kernel benchmark: the same "hold" model as bench/kernel.ts. N events are
// pending; each one that fires schedules another at now + a pseudo-random delay (1 ns .. 1 ms),
// using ns-3's default scheduler. Prints events per wall-clock second.
// Usage: hold <pending> <events> [map|heap|calendar|list]
#include "ns3/core-module.h"
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace ns3;

static std::vector<uint64_t> delays;
static uint64_t k = 0;
static uint64_t fired = 0;
static uint64_t limit = 0;

static void Fire() {
  if (++fired >= limit) {
    Simulator::Stop();
    return;
  }
  Simulator::Schedule(NanoSeconds(delays[k++ & (delays.size() - 1)]), &Fire);
}

int main(int argc, char** argv) {
  uint64_t pending = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000;
  limit = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000000;
  std::string kind = argc > 3 ? argv[3] : "map";
  std::string type = kind == "heap"       ? "ns3::HeapScheduler"
                     : kind == "calendar" ? "ns3::CalendarScheduler"
                     : kind == "list"     ? "ns3::ListScheduler"
                                          : "ns3::MapScheduler";
  GlobalValue::Bind("SchedulerType", StringValue(type));
  Time::SetResolution(Time::NS);
  // xorshift32 keeps the delays cheap and fixed; they are drawn before timing starts.
  uint32_t x = 2463534242u;
  delays.resize(1 << 16);
  for (auto& d : delays) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    d = 1 + x % 1000000;
  }
  for (uint64_t i = 0; i < pending; i++) {
    Simulator::Schedule(NanoSeconds(delays[k++ & (delays.size() - 1)]), &Fire);
  }
  auto t0 = std::chrono::steady_clock::now();
  Simulator::Run();
  auto t1 = std::chrono::steady_clock::now();
  double secs = std::chrono::duration<double>(t1 - t0).count();
  std::printf("%.0f\n", fired / secs);
  Simulator::Destroy();
  return 0;
}
