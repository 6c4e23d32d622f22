package io.ringmesh.ring;

class RendezvousContractTest extends HashRingContract {
  @Override
  Algorithm algorithm() {
    return Algorithm.RENDEZVOUS;
  }

  @Override
  double maxPeakToMean() {
    return 1.03;
  }
}
