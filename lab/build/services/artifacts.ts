/**
 * Pinned versions (lab/build/services/versions.env) and cache locations of the service
 * artifacts: ${PV_LAB_CACHE:-~/.cache/platform-validation}/<component>-<version>/, each with a
 * `.complete` marker written last.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readEnvFile } from '../../core/versions.js';

export const SERVICES_BUILD_DIR = path.dirname(fileURLToPath(import.meta.url));
export const SCHEMA_REGISTRY_SOURCE = path.resolve(
  SERVICES_BUILD_DIR,
  '..',
  '..',
  'services',
  'schema-registry',
  'LabSchemaRegistry.java',
);
/** the lab's `cilium-dbg status` renderer: Cilium's own formatters over one agent's facts */
export const CILIUM_STATUS_SOURCE = path.join(SERVICES_BUILD_DIR, 'cilium-status', 'main.go');

export interface ServiceVersions {
  COREDNS_VERSION: string;
  KAFKA_VERSION: string;
  AVRO_VERSION: string;
  VICTORIAMETRICS_VERSION: string;
  GATEWAY_API_VERSION: string;
  FLUX_SOURCE_CONTROLLER_VERSION: string;
  CERT_MANAGER_VERSION: string;
  CERT_MANAGER_CONTROLLER_VERSION: string;
  EXTERNAL_SECRETS_VERSION: string;
  CILIUM_VERSION: string;
  CNPG_VERSION: string;
  VOLSYNC_VERSION: string;
  EXTERNAL_SNAPSHOTTER_VERSION: string;
  ARC_VERSION: string;
  FLUX_KUSTOMIZE_CONTROLLER_VERSION: string;
  STRIMZI_VERSION: string;
  PROMETHEUS_OPERATOR_VERSION: string;
  FLUX_HELM_CONTROLLER_API_VERSION: string;
  FLUX_NOTIFICATION_CONTROLLER_API_VERSION: string;
  CONTROLLER_TOOLS_VERSION: string;
  GO_TOOLCHAIN_FOR_APIS: string;
  RELOADER_VERSION: string;
  RELOADER_OPENSHIFT_API: string;
}

export function readServiceVersions(file = path.join(SERVICES_BUILD_DIR, 'versions.env')): ServiceVersions {
  const keys = [
    'COREDNS_VERSION',
    'KAFKA_VERSION',
    'AVRO_VERSION',
    'VICTORIAMETRICS_VERSION',
    'GATEWAY_API_VERSION',
    'FLUX_SOURCE_CONTROLLER_VERSION',
    'CERT_MANAGER_VERSION',
    'CERT_MANAGER_CONTROLLER_VERSION',
    'EXTERNAL_SECRETS_VERSION',
    'CILIUM_VERSION',
    'CNPG_VERSION',
    'VOLSYNC_VERSION',
    'EXTERNAL_SNAPSHOTTER_VERSION',
    'ARC_VERSION',
    'FLUX_KUSTOMIZE_CONTROLLER_VERSION',
    'STRIMZI_VERSION',
    'PROMETHEUS_OPERATOR_VERSION',
    'FLUX_HELM_CONTROLLER_API_VERSION',
    'FLUX_NOTIFICATION_CONTROLLER_API_VERSION',
    'CONTROLLER_TOOLS_VERSION',
    'GO_TOOLCHAIN_FOR_APIS',
    'RELOADER_VERSION',
    'RELOADER_OPENSHIFT_API',
  ];
  return readEnvFile(file, keys) as unknown as ServiceVersions;
}

/** short hash of the schema registry's Java source: its classes are rebuilt when it changes */
export function schemaRegistrySourceHash(): string {
  return createHash('sha256').update(fs.readFileSync(SCHEMA_REGISTRY_SOURCE)).digest('hex').slice(0, 12);
}

/** short hash of the cilium-status program: rebuilt when it changes */
export function ciliumStatusSourceHash(): string {
  return createHash('sha256').update(fs.readFileSync(CILIUM_STATUS_SOURCE)).digest('hex').slice(0, 12);
}

/** A Go program of this project built against an upstream module (go.mod written at build time). */
export interface GoProgramBuild {
  name: string;
  /** the upstream module it requires, at the lab's version */
  module: string;
  version: string;
  source: string;
  dir: string;
  binary: string;
}

export interface ServiceArtifacts {
  corednsDir: string;
  coredns: string;
  kafkaDir: string;
  kafkaLibs: string;
  schemaRegistryDir: string;
  schemaRegistryLibs: string;
  schemaRegistryClasses: string;
  /** victoria-metrics (single-node), victoria-logs and vmalert binaries of one VictoriaMetrics tag */
  victoriaDir: string;
  victoriaMetrics: string;
  victoriaLogs: string;
  vmalert: string;
  /** upstream CRD manifests (one YAML per kind), by module */
  upstreamCrds: UpstreamCrdSource[];
  /** the real Flux controllers the lab runs (built from their modules through a wrapper module) */
  fluxControllers: FluxControllerBuild[];
  /** cert-manager's real controller (the older release whose controller the module proxy serves) */
  certManagerController: ControllerBuild;
  /** Stakater Reloader's real controller */
  reloaderController: ControllerBuild;
  /** what the lab's agent pods print for `cilium-dbg status`, through upstream's formatters */
  ciliumStatus: GoProgramBuild;
}

/** One controller binary: `go build <package>` in a wrapper module carrying upstream's replaces. */
export interface ControllerBuild {
  name: string;
  module: string;
  version: string;
  /** the main package inside the module (the module root for Flux's controllers) */
  package: string;
  /**
   * the lab's own replaces, after upstream's: a dependency version the module proxy refuses, swapped
   * for one it serves (`old` is a module path, `new` is `path version`)
   */
  replaces?: { old: string; new: string }[];
  dir: string;
  binary: string;
}

export interface FluxControllerBuild extends ControllerBuild {
  name: 'source-controller' | 'kustomize-controller';
}

interface CrdSourceBase {
  /** the upstream package: a Go module path or Maven `group:artifact` */
  module: string;
  version: string;
  /** which component installs them (label on the CRD) */
  owner: string;
  /** the cache directory the manifests are written into */
  cacheDir: string;
}

/** CRD manifests taken from an upstream Go module (`go mod download`, nothing built). */
export interface GoModuleCrdSource extends CrdSourceBase {
  from: 'go-module';
  /** directories of the module holding the manifests, with the file names taken (all `*.yaml` when absent) */
  dirs: { dir: string; files?: string[] }[];
}

/**
 * CRD manifests generated the way the project itself generates them: Strimzi ships no YAML in its
 * jars, its api/pom.xml runs io.strimzi:crd-generator over the API classes.
 */
export interface StrimziGeneratedCrdSource extends CrdSourceBase {
  from: 'strimzi-crd-generator';
  /** io.strimzi:api, io.strimzi:crd-generator and their runtime dependencies (Maven Central) */
  libsDir: string;
  /** API class -> manifest file name, as in upstream's api/pom.xml */
  kinds: { className: string; file: string }[];
}

/**
 * CRD manifests generated by controller-gen over an operator's Go API module, the way its own
 * Makefile does, where the module carrying the manifests is refused but the API module is served.
 */
export interface ControllerGenCrdSource extends CrdSourceBase {
  from: 'controller-gen';
  /** package patterns of the API module (`<module>/...`) */
  packages: string[];
  /** the Go toolchain the API module's go.mod asks for (GOTOOLCHAIN for this step only) */
  toolchain: string;
  controllerGen: ControllerGenBuild;
  /** wrapper module requiring the API module, where controller-gen loads the packages */
  wrapperDir: string;
}

/** One controller-gen binary (`go install sigs.k8s.io/controller-tools/cmd/controller-gen@<v>`). */
export interface ControllerGenBuild {
  version: string;
  toolchain: string;
  dir: string;
  binary: string;
}

export type UpstreamCrdSource = GoModuleCrdSource | StrimziGeneratedCrdSource | ControllerGenCrdSource;

export function serviceArtifacts(cache: string, v = readServiceVersions()): ServiceArtifacts {
  const corednsDir = path.join(cache, `coredns-${v.COREDNS_VERSION}`);
  const kafkaDir = path.join(cache, `kafka-${v.KAFKA_VERSION}`);
  const schemaRegistryDir = path.join(
    cache,
    `schema-registry-avro-${v.AVRO_VERSION}-kafka-${v.KAFKA_VERSION}`,
  );
  const victoriaDir = path.join(cache, `victoriametrics-${v.VICTORIAMETRICS_VERSION}`);
  const crdSource = (
    module: string,
    version: string,
    owner: string,
    dirs: GoModuleCrdSource['dirs'],
  ): GoModuleCrdSource => ({
    from: 'go-module',
    module,
    version,
    owner,
    dirs,
    cacheDir: path.join(cache, `crds-${module.replaceAll('/', '_')}-${version}`),
  });
  const strimziDir = path.join(cache, `crds-io.strimzi_api-${v.STRIMZI_VERSION}`);
  // only the kinds the lab serves (lab/sim/crds.ts), file names as upstream's packaging
  const strimziCrds: StrimziGeneratedCrdSource = {
    from: 'strimzi-crd-generator',
    module: 'io.strimzi:api',
    version: v.STRIMZI_VERSION,
    owner: 'strimzi',
    cacheDir: path.join(strimziDir, 'crds'),
    libsDir: path.join(strimziDir, 'libs'),
    kinds: [
      { className: 'io.strimzi.api.kafka.model.kafka.Kafka', file: '040-Crd-kafka.yaml' },
      { className: 'io.strimzi.api.kafka.model.podset.StrimziPodSet', file: '042-Crd-strimzipodset.yaml' },
      { className: 'io.strimzi.api.kafka.model.topic.KafkaTopic', file: '043-Crd-kafkatopic.yaml' },
      { className: 'io.strimzi.api.kafka.model.user.KafkaUser', file: '044-Crd-kafkauser.yaml' },
      { className: 'io.strimzi.api.kafka.model.nodepool.KafkaNodePool', file: '045-Crd-kafkanodepool.yaml' },
    ],
  };
  const cgDir = path.join(cache, `controller-gen-${v.CONTROLLER_TOOLS_VERSION}-${v.GO_TOOLCHAIN_FOR_APIS}`);
  const controllerGen: ControllerGenBuild = {
    version: v.CONTROLLER_TOOLS_VERSION,
    toolchain: v.GO_TOOLCHAIN_FOR_APIS,
    dir: cgDir,
    binary: path.join(cgDir, 'bin', 'controller-gen'),
  };
  const generated = (module: string, version: string, owner: string): ControllerGenCrdSource => {
    const dir = path.join(cache, `crds-${module.replaceAll('/', '_')}-${version}`);
    return {
      from: 'controller-gen',
      module,
      version,
      owner,
      packages: [`${module}/...`],
      toolchain: v.GO_TOOLCHAIN_FOR_APIS,
      controllerGen,
      cacheDir: path.join(dir, 'crds'),
      wrapperDir: path.join(dir, 'wrapper'),
    };
  };
  const flux = (name: FluxControllerBuild['name'], version: string): FluxControllerBuild => {
    const dir = path.join(cache, `flux-${name}-${version}`);
    const module = `github.com/fluxcd/${name}`;
    return { name, module, version, package: module, dir, binary: path.join(dir, 'bin', name) };
  };
  const certManagerDir = path.join(cache, `cert-manager-controller-${v.CERT_MANAGER_CONTROLLER_VERSION}`);
  const reloaderDir = path.join(cache, `reloader-${v.RELOADER_VERSION}`);
  const ciliumStatusDir = path.join(cache, `cilium-status-${v.CILIUM_VERSION}-${ciliumStatusSourceHash()}`);
  return {
    ciliumStatus: {
      name: 'cilium-status',
      module: 'github.com/cilium/cilium',
      version: v.CILIUM_VERSION,
      source: CILIUM_STATUS_SOURCE,
      dir: ciliumStatusDir,
      binary: path.join(ciliumStatusDir, 'bin', 'cilium-status'),
    },
    certManagerController: {
      name: 'cert-manager-controller',
      module: 'github.com/cert-manager/cert-manager',
      version: v.CERT_MANAGER_CONTROLLER_VERSION,
      package: 'github.com/cert-manager/cert-manager/cmd/controller',
      dir: certManagerDir,
      binary: path.join(certManagerDir, 'bin', 'cert-manager-controller'),
    },
    reloaderController: {
      name: 'reloader',
      module: 'github.com/stakater/Reloader',
      version: v.RELOADER_VERSION,
      package: 'github.com/stakater/Reloader',
      replaces: [
        { old: 'github.com/openshift/api', new: `github.com/openshift/api ${v.RELOADER_OPENSHIFT_API}` },
      ],
      dir: reloaderDir,
      binary: path.join(reloaderDir, 'bin', 'reloader'),
    },
    fluxControllers: [
      flux('source-controller', v.FLUX_SOURCE_CONTROLLER_VERSION),
      flux('kustomize-controller', v.FLUX_KUSTOMIZE_CONTROLLER_VERSION),
    ],
    upstreamCrds: [
      crdSource('github.com/cilium/cilium', v.CILIUM_VERSION, 'cilium', [
        { dir: 'pkg/k8s/apis/cilium.io/client/crds/v2' },
        { dir: 'pkg/k8s/apis/cilium.io/client/crds/v2alpha1' },
      ]),
      crdSource('sigs.k8s.io/gateway-api', v.GATEWAY_API_VERSION, 'gateway-api', [
        { dir: 'config/crd/standard' },
        // Cilium installs TLSRoute from the experimental channel
        { dir: 'config/crd/experimental', files: ['gateway.networking.k8s.io_tlsroutes.yaml'] },
      ]),
      crdSource('github.com/fluxcd/source-controller', v.FLUX_SOURCE_CONTROLLER_VERSION, 'flux', [
        { dir: 'config/crd/bases' },
      ]),
      crdSource('github.com/cert-manager/cert-manager', v.CERT_MANAGER_VERSION, 'cert-manager', [
        { dir: 'deploy/crds' },
      ]),
      crdSource(
        'github.com/external-secrets/external-secrets',
        v.EXTERNAL_SECRETS_VERSION,
        'external-secrets',
        [{ dir: 'config/crds/bases' }],
      ),
      crdSource('github.com/cloudnative-pg/cloudnative-pg', v.CNPG_VERSION, 'cnpg', [
        { dir: 'config/crd/bases' },
      ]),
      crdSource('github.com/backube/volsync', v.VOLSYNC_VERSION, 'volsync', [{ dir: 'config/crd/bases' }]),
      crdSource(
        'github.com/kubernetes-csi/external-snapshotter/client/v8',
        v.EXTERNAL_SNAPSHOTTER_VERSION,
        'snapshot-controller',
        [{ dir: 'config/crd' }],
      ),
      crdSource('github.com/actions/actions-runner-controller', v.ARC_VERSION, 'actions-runner-controller', [
        { dir: 'config/crd/bases' },
      ]),
      crdSource('github.com/fluxcd/kustomize-controller', v.FLUX_KUSTOMIZE_CONTROLLER_VERSION, 'flux', [
        { dir: 'config/crd/bases' },
      ]),
      crdSource(
        'github.com/prometheus-operator/prometheus-operator',
        v.PROMETHEUS_OPERATOR_VERSION,
        'prometheus-operator-crds',
        [
          {
            dir: 'example/prometheus-operator-crd',
            files: ['servicemonitors', 'podmonitors', 'prometheusrules'].map(
              (p) => `monitoring.coreos.com_${p}.yaml`,
            ),
          },
        ],
      ),
      strimziCrds,
      generated('github.com/fluxcd/helm-controller/api', v.FLUX_HELM_CONTROLLER_API_VERSION, 'flux'),
      generated(
        'github.com/fluxcd/notification-controller/api',
        v.FLUX_NOTIFICATION_CONTROLLER_API_VERSION,
        'flux',
      ),
    ],
    victoriaDir,
    victoriaMetrics: path.join(victoriaDir, 'bin', 'victoria-metrics'),
    victoriaLogs: path.join(victoriaDir, 'bin', 'victoria-logs'),
    vmalert: path.join(victoriaDir, 'bin', 'vmalert'),
    corednsDir,
    coredns: path.join(corednsDir, 'bin', 'coredns'),
    kafkaDir,
    kafkaLibs: path.join(kafkaDir, 'libs'),
    schemaRegistryDir,
    schemaRegistryLibs: path.join(schemaRegistryDir, 'libs'),
    schemaRegistryClasses: path.join(schemaRegistryDir, `classes-${schemaRegistrySourceHash()}`),
  };
}

export const isComplete = (dir: string) => fs.existsSync(path.join(dir, '.complete'));

/** Fail with the fix when an artifact was not built. */
export function requireBuilt(dir: string, what: string): void {
  if (!isComplete(dir)) {
    throw new Error(`${what} is not built (${dir} has no .complete marker): run \`pnpm lab build\` first`);
  }
}
