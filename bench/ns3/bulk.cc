// ns-3 side of the TCP speed benchmark in bench/tcp.ts: one NewReno bulk transfer of N bytes
// from h0 through router r to h1 over two 100 Mbit/s, 10 ms point-to-point links. Prints the wall
// seconds Simulator::Run took, the simulated seconds until the last byte arrived, and the bytes.
// Usage: bulk <bytes>
#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace ns3;

static uint64_t target = 0;
static uint64_t received = 0;
static double doneAt = -1;

static void Received(Ptr<const Packet> p, const Address&) {
  received += p->GetSize();
  if (received >= target && doneAt < 0) {
    doneAt = Simulator::Now().GetSeconds();
    Simulator::Stop();
  }
}

int main(int argc, char** argv) {
  target = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100000000;
  Config::SetDefault("ns3::TcpL4Protocol::SocketType", TypeIdValue(TcpNewReno::GetTypeId()));
  // Full-sized segments (the default is 536 B) and the same 1 MiB buffers as wirelab's defaults.
  Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(1448));
  Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(1 << 20));
  Config::SetDefault("ns3::TcpSocket::RcvBufSize", UintegerValue(1 << 20));

  NodeContainer nodes;
  nodes.Create(3);
  PointToPointHelper p2p;
  p2p.SetDeviceAttribute("DataRate", StringValue("100Mbps"));
  p2p.SetChannelAttribute("Delay", StringValue("10ms"));
  NetDeviceContainer first = p2p.Install(nodes.Get(0), nodes.Get(1));
  NetDeviceContainer second = p2p.Install(nodes.Get(1), nodes.Get(2));

  InternetStackHelper stack;
  stack.Install(nodes);
  Ipv4AddressHelper addresses;
  addresses.SetBase("10.0.0.0", "255.255.255.0");
  addresses.Assign(first);
  addresses.SetBase("10.0.1.0", "255.255.255.0");
  Ipv4InterfaceContainer far = addresses.Assign(second);
  Ipv4GlobalRoutingHelper::PopulateRoutingTables();

  const uint16_t port = 5001;
  PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                              InetSocketAddress(Ipv4Address::GetAny(), port));
  ApplicationContainer sink = sinkHelper.Install(nodes.Get(2));
  sink.Get(0)->TraceConnectWithoutContext("Rx", MakeCallback(&Received));
  BulkSendHelper bulk("ns3::TcpSocketFactory", InetSocketAddress(far.GetAddress(1), port));
  bulk.SetAttribute("MaxBytes", UintegerValue(target));
  bulk.SetAttribute("SendSize", UintegerValue(65536));
  ApplicationContainer source = bulk.Install(nodes.Get(0));
  sink.Start(Seconds(0));
  source.Start(Seconds(0));

  auto t0 = std::chrono::steady_clock::now();
  Simulator::Run();
  auto t1 = std::chrono::steady_clock::now();
  std::printf("%.6f %.6f %llu\n", std::chrono::duration<double>(t1 - t0).count(), doneAt,
              static_cast<unsigned long long>(received));
  Simulator::Destroy();
  return 0;
}
