package io.ringmesh.testkit.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One network namespace per coordinator, joined by veth pairs to a bridge in the root namespace, on
 * a private /24 of 10.x that this object creates; and the faults on those links: a link cut ({@code
 * ip link set down}) and loss with delay ({@code tc netem}), or loss alone from nftables where the
 * kernel lacks netem. Everything it creates is named with the run's id ({@code rmc<id>...}), and
 * {@link #close} deletes exactly that, never another interface or address. Needs root and the
 * {@code ip} command.
 *
 * <p>Thread-safe: its methods are synchronized.
 */
public final class NetworkNamespaces implements AutoCloseable {
  private final String run;
  private final String subnet;
  private final int size;
  private final List<String> created = new ArrayList<>();
  private boolean closed;

  private NetworkNamespaces(String run, String subnet, int size) {
    this.run = run;
    this.subnet = subnet;
    this.size = size;
  }

  /** Why partitions cannot run here, or null if they can (root, and {@code ip netns} works). */
  public static @Nullable String unavailableReason() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "partitions need root (network namespaces); running as "
          + System.getProperty("user.name");
    }
    try {
      Result r = run(List.of("ip", "netns", "list"));
      if (r.code != 0) {
        return "'ip netns list' failed: " + r.output.strip();
      }
    } catch (IOException e) {
      return "the 'ip' command is missing (Debian: apt-get install iproute2)";
    }
    return null;
  }

  /**
   * Creates {@code size} namespaces for run {@code run} (a short id of letters and digits, unique
   * among runs on this machine), with addresses on a free 10.x.y.0/24.
   *
   * @throws IOException with the failing command's output; whatever was created is removed
   */
  public static NetworkNamespaces create(String run, int size) throws IOException {
    String routes =
        run(List.of("ip", "-4", "addr", "show")).output + run(List.of("ip", "route")).output;
    int h = Math.floorMod(run.hashCode(), 200 * 250);
    String subnet = null;
    for (int i = 0; i < 200 * 250 && subnet == null; i++) {
      int v = (h + i) % (200 * 250);
      String candidate = "10." + (50 + v / 250) + "." + (v % 250) + ".";
      if (!routes.contains(candidate)) {
        subnet = candidate;
      }
    }
    if (subnet == null) {
      throw new IOException("no free 10.x.y.0/24 for the chaos run's network");
    }
    NetworkNamespaces n = new NetworkNamespaces(run, subnet, size);
    try {
      n.setUp();
      return n;
    } catch (IOException | RuntimeException e) {
      n.close();
      throw e;
    }
  }

  private void setUp() throws IOException {
    String br = bridge();
    must("ip", "link", "add", br, "type", "bridge");
    created.add("link " + br);
    must("ip", "addr", "add", subnet + "1/24", "dev", br);
    must("ip", "link", "set", br, "up");
    for (int i = 0; i < size; i++) {
      must("ip", "netns", "add", namespace(i));
      created.add("netns " + namespace(i));
      must("ip", "link", "add", hostVeth(i), "type", "veth", "peer", "name", innerVeth(i));
      created.add("link " + hostVeth(i));
      must("ip", "link", "set", innerVeth(i), "netns", namespace(i));
      must("ip", "link", "set", hostVeth(i), "master", br);
      must("ip", "link", "set", hostVeth(i), "up");
      must(
          "ip",
          "netns",
          "exec",
          namespace(i),
          "ip",
          "addr",
          "add",
          address(i) + "/24",
          "dev",
          innerVeth(i));
      must("ip", "netns", "exec", namespace(i), "ip", "link", "set", innerVeth(i), "up");
      must("ip", "netns", "exec", namespace(i), "ip", "link", "set", "lo", "up");
    }
  }

  /** The address of member {@code i}, inside its namespace. */
  public String address(int i) {
    return subnet + (i + 2);
  }

  /** The namespace of member {@code i}. */
  public String namespace(int i) {
    return "rmc" + run + "n" + i;
  }

  /** The command prefix that runs a command inside member {@code i}'s namespace. */
  public List<String> exec(int i) {
    return List.of("ip", "netns", "exec", namespace(i));
  }

  private String bridge() {
    return "rmc" + run + "br";
  }

  private String hostVeth(int i) {
    return "rmc" + run + "v" + i;
  }

  private String innerVeth(int i) {
    return "rmc" + run + "p" + i;
  }

  /** Cuts member {@code i} off from everyone: its link to the bridge goes down. */
  public synchronized void cut(int i) throws IOException {
    must("ip", "link", "set", hostVeth(i), "down");
  }

  /** Restores member {@code i}'s link. */
  public synchronized void heal(int i) throws IOException {
    must("ip", "link", "set", hostVeth(i), "up");
  }

  /** Whether {@code tc netem} works here (the kernel may lack sch_netem); null if it does. */
  public synchronized @Nullable String netemUnavailableReason() throws IOException {
    Result r =
        run(List.of("tc", "qdisc", "add", "dev", hostVeth(0), "root", "netem", "delay", "1ms"));
    if (r.code != 0) {
      return "tc netem is unavailable: " + r.output.strip();
    }
    must("tc", "qdisc", "del", "dev", hostVeth(0), "root");
    return null;
  }

  /**
   * Adds {@code lossPercent}% loss and {@code delayMs} delay to member {@code i}'s link, both ways.
   */
  public synchronized void degrade(int i, int lossPercent, int delayMs) throws IOException {
    List<String> netem =
        List.of("root", "netem", "loss", lossPercent + "%", "delay", delayMs + "ms");
    List<String> host = new ArrayList<>(List.of("tc", "qdisc", "add", "dev", hostVeth(i)));
    host.addAll(netem);
    must(host.toArray(String[]::new));
    List<String> inner = new ArrayList<>(exec(i));
    inner.addAll(List.of("tc", "qdisc", "add", "dev", innerVeth(i)));
    inner.addAll(netem);
    must(inner.toArray(String[]::new));
  }

  /**
   * Whether random loss from nftables works here (the {@code nft} command, and the kernel's
   * nf_tables with {@code numgen}); null if it does. The fallback for {@link #degrade} where {@code
   * tc netem} is missing: loss without delay.
   */
  public synchronized @Nullable String nftLossUnavailableReason() throws IOException {
    try {
      run(List.of("nft", "--version"));
    } catch (IOException e) {
      return "the 'nft' command is missing (Debian: apt-get install nftables)";
    }
    try {
      dropRandomly(0, 0);
    } catch (IOException e) {
      return "nftables cannot drop packets here: " + e.getMessage();
    } finally {
      stopDropping(0);
    }
    return null;
  }

  /**
   * Drops {@code lossPercent}% of the packets on member {@code i}'s link, both ways, each packet
   * drawn independently ({@code nft ... numgen random}), in a table of its own inside the member's
   * namespace, so nothing outside the run is touched.
   */
  public synchronized void dropRandomly(int i, int lossPercent) throws IOException {
    if (lossPercent < 0 || lossPercent > 100) {
      throw new IllegalArgumentException("loss must be 0..100 %, not " + lossPercent);
    }
    String dev = innerVeth(i);
    // numgen's range is 0..99, so "< 100" is refused: all and nothing are written out
    String verdict =
        lossPercent == 100
            ? " drop"
            : lossPercent == 0 ? " accept" : " numgen random mod 100 < " + lossPercent + " drop";
    String rules =
        "table inet "
            + lossTable()
            + " {\n"
            + "  chain rx { type filter hook input priority 0; iifname \""
            + dev
            + "\""
            + verdict
            + "; }\n"
            + "  chain tx { type filter hook output priority 0; oifname \""
            + dev
            + "\""
            + verdict
            + "; }\n"
            + "}\n";
    List<String> cmd = new ArrayList<>(exec(i));
    cmd.addAll(List.of("nft", "-f", "-"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try (var in = p.getOutputStream()) {
      in.write(rules.getBytes(StandardCharsets.UTF_8));
    }
    Result r = finish(cmd, p);
    if (r.code != 0) {
      throw new IOException("'" + String.join(" ", cmd) + "' failed: " + r.output.strip());
    }
  }

  /** Stops the drops {@link #dropRandomly} added on member {@code i}'s link; harmless if none. */
  public synchronized void stopDropping(int i) throws IOException {
    List<String> cmd = new ArrayList<>(exec(i));
    cmd.addAll(List.of("nft", "delete", "table", "inet", lossTable()));
    try {
      run(cmd);
    } catch (IOException e) {
      // no nft command: nothing was added
    }
  }

  private String lossTable() {
    return "rmc" + run + "loss";
  }

  /** Removes the loss and delay from member {@code i}'s link. */
  public synchronized void restore(int i) throws IOException {
    run(List.of("tc", "qdisc", "del", "dev", hostVeth(i), "root"));
    List<String> inner = new ArrayList<>(exec(i));
    inner.addAll(List.of("tc", "qdisc", "del", "dev", innerVeth(i), "root"));
    run(inner);
  }

  /** Deletes every link and namespace it created (the veth peers go with them). Harmless twice. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (int k = created.size() - 1; k >= 0; k--) {
      String[] what = created.get(k).split(" ", 2);
      List<String> cmd =
          what[0].equals("netns")
              ? List.of("ip", "netns", "del", what[1])
              : List.of("ip", "link", "del", what[1]);
      try {
        Result r = run(cmd);
        if (r.code != 0) {
          System.err.println("chaos: could not remove " + created.get(k) + ": " + r.output.strip());
        }
      } catch (IOException e) {
        System.err.println("chaos: could not remove " + created.get(k) + ": " + e.getMessage());
      }
    }
  }

  /**
   * Removes what runs that died without cleaning up left behind: namespaces and links named {@code
   * rmc<pid>...} whose run's process id is no longer alive. Run ids start with the pid.
   */
  public static void removeOrphans() {
    try {
      List<String> names = new ArrayList<>();
      for (String line : run(List.of("ip", "netns", "list")).output.split("\n")) {
        names.add("netns " + line.strip().split(" ")[0]);
      }
      for (String line : run(List.of("ip", "-o", "link", "show")).output.split("\n")) {
        String[] f = line.split(": ");
        if (f.length > 1) {
          names.add("link " + f[1].split("@")[0]);
        }
      }
      for (String n : names) {
        String name = n.split(" ", 2)[1];
        if (!name.startsWith("rmc") || !(name.endsWith("br") || name.matches("rmc\\d+x.*n\\d+"))) {
          continue;
        }
        String digits = name.substring(3).split("x", 2)[0];
        if (!digits.matches("\\d+")) {
          continue;
        }
        if (ProcessHandle.of(Long.parseLong(digits)).map(ProcessHandle::isAlive).orElse(false)) {
          continue;
        }
        run(
            n.startsWith("netns")
                ? List.of("ip", "netns", "del", name)
                : List.of("ip", "link", "del", name));
      }
    } catch (IOException | RuntimeException e) {
      // nothing to clean, or no ip command
    }
  }

  private record Result(int code, String output) {}

  private static void must(String... cmd) throws IOException {
    Result r = run(List.of(cmd));
    if (r.code != 0) {
      throw new IOException("'" + String.join(" ", cmd) + "' failed: " + r.output.strip());
    }
  }

  private static Result run(List<String> cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    return finish(cmd, p);
  }

  private static Result finish(List<String> cmd, Process p) throws IOException {
    try {
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("'" + String.join(" ", cmd) + "' did not finish within 30 s");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted running " + cmd.getFirst(), e);
    }
  }
}
