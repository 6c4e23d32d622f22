package io.ringmesh.node.internal.cli;

import ch.qos.logback.classic.Level;
import io.ringmesh.node.internal.runtime.NodeConfig;
import io.ringmesh.node.internal.runtime.NodeRuntime;
import io.ringmesh.node.internal.runtime.NodeStartException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ringmesh node}: runs a node until interrupted. Settings come from {@code --config} and
 * then from flags, which override the file; with neither, it is the embedded default (both roles,
 * one coordinator, data in {@code ./data}).
 */
@Command(
    name = "node",
    mixinStandardHelpOptions = true,
    description = {
      "Run a Ringmesh node: a coordinator, hosted services, or both (the embedded default), with"
          + " its admin HTTP port. Runs until interrupted (Ctrl-C or SIGTERM).",
      "Flags override the config file's settings of the same name."
    })
final class NodeCommand implements Callable<Integer> {
  @Option(names = "--config", description = "A node.yaml file (see docs/node.md).")
  @Nullable Path config;

  @Option(
      names = "--id",
      description = "The node's stable id (default: coordinator.self or node-<rpc-port>).")
  @Nullable String id;

  @Option(
      names = "--roles",
      split = ",",
      description = "coordinator, service, or both (default both).")
  @Nullable List<String> roles;

  @Option(names = "--bind", description = "Address every port binds to (default 127.0.0.1).")
  @Nullable String bind;

  @Option(
      names = "--rpc-port",
      description = "Port of the hosted services (default 7500; 0: any free one).")
  @Nullable Integer rpcPort;

  @Option(names = "--admin-port", description = "Admin HTTP port (default 7600; 0: any free one).")
  @Nullable Integer adminPort;

  @Option(names = "--data", description = "Data directory (default ./data).")
  @Nullable String data;

  @Option(
      names = "--coordinators",
      description =
          "Where the coordinators' client ports are, host:port,... (default: this node's own).")
  @Nullable String coordinators;

  @Option(
      names = "--coordinator-port",
      description = "This coordinator's client port (default 7400).")
  @Nullable Integer coordinatorPort;

  @Option(names = "--peers", description = "The coordinator ensemble as id=host:raftPort,...")
  @Nullable String peers;

  @Option(names = "--self", description = "This coordinator's id in --peers.")
  @Nullable String self;

  @Option(
      names = "--service",
      description = "A service implementation class to host (repeatable; adds to the file's).")
  List<String> services = new ArrayList<>();

  @Option(names = "--session-ttl", description = "Session TTL, e.g. 10s (default 10s; 1s to 1h).")
  @Nullable String sessionTtl;

  @Option(
      names = "--drain-delay",
      description =
          "How long a stopping node serves on after deregistering, e.g. 1s (default 1s; 0ms: none).")
  @Nullable String drainDelay;

  @Option(names = "--log-level", description = "TRACE, DEBUG, INFO (default), WARN or ERROR.")
  @Nullable String logLevel;

  @Option(
      names = "--election-timeout",
      description = "Raft election timeout range of a coordinator, min..max (default Ratis' own).")
  @Nullable String electionTimeout;

  @Option(
      names = "--join",
      description =
          "Start the coordinator to join a running ensemble (then 'bin/ringmesh coord add ID').")
  boolean join;

  @Option(
      names = "--parent-pid",
      hidden = true,
      description = "Exit when this process exits (the demo's children use it).")
  @Nullable Long parentPid;

  @Override
  public Integer call() throws InterruptedException {
    if (parentPid != null) {
      exitWithParent(parentPid);
    }
    NodeConfig c;
    try {
      c = config == null ? new NodeConfig() : NodeConfig.read(config);
      override(c);
      c.validate();
    } catch (NodeConfig.ConfigException e) {
      throw new CommandFailedException(e.getMessage(), 2);
    }
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(Level.toLevel(c.logLevel));
    NodeRuntime node;
    try {
      node = NodeRuntime.start(c, step -> System.err.println("ringmesh node: " + step));
    } catch (NodeConfig.ConfigException e) {
      throw new CommandFailedException(e.getMessage(), 2);
    } catch (NodeStartException e) {
      throw new CommandFailedException(e.getMessage());
    } catch (RuntimeException e) {
      throw new CommandFailedException("the node did not start: " + e);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.err.println("ringmesh node: stopping (draining calls) ...");
                  node.close();
                  stopped.countDown();
                },
                "node-shutdown"));
    System.out.printf(
        "ringmesh node %s up: roles %s%s%s. Stop with Ctrl-C.%n",
        node.nodeId(),
        String.join("+", c.roles),
        node.coordinator() == null ? "" : ", coordinator on port " + node.coordinator().rpcPort(),
        node.rpcPort() < 0 ? "" : ", services on port " + node.rpcPort());
    System.out.flush();
    stopped.await();
    return 0;
  }

  private void override(NodeConfig c) {
    if (id != null) c.id = id;
    if (roles != null) c.roles = new ArrayList<>(roles);
    if (bind != null) c.bind = bind;
    if (rpcPort != null) c.rpcPort = rpcPort;
    if (adminPort != null) c.adminPort = adminPort;
    if (data != null) c.data = data;
    if (coordinators != null) c.coordinators = coordinators;
    if (coordinatorPort != null) c.coordinator.port = coordinatorPort;
    if (peers != null) c.coordinator.peers = peers;
    if (self != null) c.coordinator.self = self;
    if (sessionTtl != null) c.sessionTtl = sessionTtl;
    if (drainDelay != null) c.drainDelay = drainDelay;
    if (logLevel != null) c.logLevel = logLevel;
    if (electionTimeout != null) c.coordinator.electionTimeout = electionTimeout;
    if (join) c.coordinator.join = true;
    for (String s : services) {
      NodeConfig.ServiceSettings ss = new NodeConfig.ServiceSettings();
      ss.className = s;
      c.services.add(ss);
    }
  }

  /** A child of a killed parent exits through its shutdown hook, deregistering cleanly. */
  private static void exitWithParent(long pid) {
    var parent = ProcessHandle.of(pid);
    if (parent.isEmpty()) {
      throw new CommandFailedException("--parent-pid " + pid + " is not running");
    }
    parent.get().onExit().thenRun(() -> System.exit(1));
  }
}
