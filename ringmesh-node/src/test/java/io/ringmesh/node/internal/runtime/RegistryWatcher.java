package io.ringmesh.node.internal.runtime;

import io.ringmesh.cluster.RegistryDiscovery;
import io.ringmesh.cluster.ServiceInstance;
import io.ringmesh.coord.LockClient;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A registry client in a process of its own, for {@link ClusterScenariosTest}: follows one service
 * through a {@link RegistryDiscovery} and prints each change of its node ids with the wall-clock
 * time (epoch ms) at which this process saw it:
 *
 * <pre>
 * watch 1764400000123 s1,s2,s3
 * </pre>
 *
 * <p>The first such line is the list at start. It exits when its standard input closes, that is
 * when the parent ends or closes the pipe. Arguments: {@code COORDINATORS SERVICE}.
 */
final class RegistryWatcher {
  private RegistryWatcher() {}

  public static void main(String[] args) throws IOException {
    String coordinators = args[0];
    String service = args[1];
    try (LockClient client = LockClient.builder().connect(coordinators).build();
        RegistryDiscovery discovery = new RegistryDiscovery(client.registry())) {
      discovery.subscribe(service, (s, list) -> print(list));
      print(discovery.instances(service));
      InputStream in = System.in;
      while (in.read() >= 0) {
        // the parent never writes; end of input means it is gone
      }
    }
  }

  private static synchronized void print(List<ServiceInstance> list) {
    String ids =
        list.stream().map(ServiceInstance::nodeId).sorted().collect(Collectors.joining(","));
    System.out.println("watch " + System.currentTimeMillis() + " " + ids);
    System.out.flush();
  }
}
