{{/* Names. */}}
{{- define "azora.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "azora.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "azora.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "azora.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "azora.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "azora.secretName" -}}
{{- default (include "azora.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{- define "azora.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* Labels: the common ones, and a component's selector ("azora.selectorLabels" with a dict
     of root and component). */}}
{{- define "azora.labels" -}}
helm.sh/chart: {{ include "azora.chart" . }}
app.kubernetes.io/name: {{ include "azora.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: azora
{{- end }}

{{- define "azora.selectorLabels" -}}
app.kubernetes.io/name: {{ include "azora.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* The partitions of the topics each consumer group reads, from the catalogue
     (files/partitions.yaml, written by `make helm-sync`). */}}
{{- define "azora.partitions" -}}
{{- .Files.Get "files/partitions.yaml" }}
{{- end }}

{{/* Refuses replicas a consumer group could not use: {root, role, replicas, what}. */}}
{{- define "azora.checkReplicas" -}}
{{- $groups := (include "azora.partitions" .root | fromYaml).groups }}
{{- $limit := index $groups .role }}
{{- if not $limit }}
{{- fail (printf "consumers.%s: no such consumer group in files/partitions.yaml (run make helm-sync)" .role) }}
{{- end }}
{{- if gt (int .replicas) (int $limit) }}
{{- fail (printf "consumers.%s.%s is %d, above the %d partitions its consumer group reads: the extra members would idle" .role .what (int .replicas) (int $limit)) }}
{{- end }}
{{- end }}

{{/* The ConfigMap's data: every non-secret setting as an environment variable. */}}
{{- define "azora.configData" -}}
{{- $c := .Values.config -}}
AZORA_ENV: {{ $c.env | quote }}
KAFKA_BOOTSTRAP_SERVERS: {{ required "config.kafkaBootstrapServers is required" $c.kafkaBootstrapServers | quote }}
{{- with $c.topicPrefix }}
AZORA_TOPIC_PREFIX: {{ . | quote }}
{{- end }}
AZORA_KAFKA_SECURITY_PROTOCOL: {{ $c.kafka.securityProtocol | quote }}
{{- with $c.kafka.saslMechanism }}
AZORA_KAFKA_SASL_MECHANISM: {{ . | quote }}
{{- end }}
{{- with $c.kafka.saslUsername }}
AZORA_KAFKA_SASL_USERNAME: {{ . | quote }}
{{- end }}
{{- if $c.kafka.caSecret.name }}
AZORA_KAFKA_SSL_CAFILE: {{ printf "/etc/azora/kafka-ca/%s" $c.kafka.caSecret.key | quote }}
{{- end }}
{{- if $c.kafka.clientCertSecret.name }}
AZORA_KAFKA_SSL_CERTFILE: {{ printf "/etc/azora/kafka-client/%s" $c.kafka.clientCertSecret.certKey | quote }}
AZORA_KAFKA_SSL_KEYFILE: {{ printf "/etc/azora/kafka-client/%s" $c.kafka.clientCertSecret.keyKey | quote }}
{{- end }}
{{- with $c.database.sslMode }}
AZORA_DATABASE_SSLMODE: {{ . | quote }}
{{- end }}
{{- if $c.database.caSecret.name }}
AZORA_DATABASE_SSLROOTCERT: {{ printf "/etc/azora/database-ca/%s" $c.database.caSecret.key | quote }}
{{- end }}
AZORA_DB_POOL_MAX: {{ $c.database.poolMax | quote }}
{{- with $c.openaiBaseUrl }}
AZORA_OPENAI_BASE_URL: {{ . | quote }}
{{- end }}
AZORA_OPENAI_MODEL: {{ $c.openaiModel | quote }}
{{- with $c.stripeApiBase }}
AZORA_STRIPE_API_BASE: {{ . | quote }}
{{- end }}
{{- with $c.otlpEndpoint }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ . | quote }}
{{- end }}
AZORA_LOG_LEVEL: {{ $c.logLevel | quote }}
AZORA_LOG_FORMAT: {{ $c.logFormat | quote }}
AZORA_LOG_ACCESS: {{ $c.logAccess | quote }}
{{- with $c.trustedProxies }}
AZORA_TRUSTED_PROXIES: {{ join "," . | quote }}
{{- end }}
{{- with $c.corsAllowOrigins }}
AZORA_CORS_ALLOW_ORIGINS: {{ join "," . | quote }}
{{- end }}
{{- if $c.corsAllowCredentials }}
AZORA_CORS_ALLOW_CREDENTIALS: "true"
{{- end }}
{{- with $c.oidc.redirectBaseUrl }}
AZORA_OIDC_REDIRECT_BASE_URL: {{ . | quote }}
{{- end }}
{{- with $c.oidc.returnUrls }}
AZORA_OIDC_RETURN_URLS: {{ join "," . | quote }}
{{- end }}
{{- range $name, $p := $c.oidc.providers }}
{{- $prefix := printf "AZORA_OIDC_PROVIDERS__%s__" (upper $name) }}
{{ $prefix }}ISSUER: {{ required (printf "config.oidc.providers.%s.issuer is required" $name) $p.issuer | quote }}
{{ $prefix }}CLIENT_ID: {{ required (printf "config.oidc.providers.%s.clientId is required" $name) $p.clientId | quote }}
{{- with $p.displayName }}
{{ $prefix }}DISPLAY_NAME: {{ . | quote }}
{{- end }}
{{- with $p.scopes }}
{{ $prefix }}SCOPES: {{ . | quote }}
{{- end }}
{{- end }}
AZORA_INGRESS_HOST: "0.0.0.0"
AZORA_INGRESS_PORT: {{ .Values.ingress.port | quote }}
AZORA_METRICS_HOST: "0.0.0.0"
AZORA_METRICS_PORT: {{ .Values.metrics.port | quote }}
AZORA_HEALTH_HOST: "0.0.0.0"
AZORA_HEALTH_PORT: {{ .Values.probes.port | quote }}
AZORA_HEALTH_DEADLINE_S: {{ .Values.probes.deadlineSeconds | quote }}
AZORA_LAG_POLL_INTERVAL_S: {{ .Values.lagExporter.pollIntervalSeconds | quote }}
{{- range $name, $value := $c.extra }}
{{ $name }}: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{/* The Secret's data (when the chart writes it): only the values given, base64. */}}
{{- define "azora.secretData" -}}
{{- $s := .Values.secrets -}}
DATABASE_URL: {{ required "secrets.databaseUrl is required (or name an existing Secret in secrets.existingSecret)" $s.databaseUrl | b64enc | quote }}
{{- range $owner, $url := $s.serviceDatabaseUrls }}
{{- if not (has $owner (list "identity" "learning" "payments" "wallet" "tutor" "projections" "ingress")) }}
{{- fail (printf "secrets.serviceDatabaseUrls.%s: no such owner (identity, learning, payments, wallet, tutor, projections, ingress)" $owner) }}
{{- end }}
{{- with $url }}
AZORA_{{ upper $owner }}_DATABASE_URL: {{ . | b64enc | quote }}
{{- end }}
{{- end }}
{{- /* In every mode: the ingress and identity refuse to start without them. */}}
{{- if lt (len $s.secretKey) 32 }}
{{- fail "secrets.secretKey must be 32 characters or more (AZORA_SECRET_KEY)" }}
{{- end }}
{{- if not $s.stripeWebhookSecret }}
{{- fail "secrets.stripeWebhookSecret is required (AZORA_STRIPE_WEBHOOK_SECRET, Stripe's whsec_...)" }}
{{- end }}
{{- if lt (len ($s.paymentSealingKey | default "")) 32 }}
{{- fail "secrets.paymentSealingKey must be 32 characters or more (AZORA_PAYMENT_SEALING_KEY)" }}
{{- end }}
{{- if lt (len ($s.personalDataKey | default "")) 32 }}
{{- fail "secrets.personalDataKey must be 32 characters or more (AZORA_PERSONAL_DATA_KEY)" }}
{{- end }}
{{- with $s.secretKey }}
AZORA_SECRET_KEY: {{ . | b64enc | quote }}
{{- end }}
{{- with $s.stripeWebhookSecret }}
AZORA_STRIPE_WEBHOOK_SECRET: {{ . | b64enc | quote }}
{{- end }}
{{- with $s.paymentSealingKey }}
AZORA_PAYMENT_SEALING_KEY: {{ . | b64enc | quote }}
{{- end }}
{{- with $s.personalDataKey }}
AZORA_PERSONAL_DATA_KEY: {{ . | b64enc | quote }}
{{- end }}
{{- with $s.stripeApiKey }}
STRIPE_API_KEY: {{ . | b64enc | quote }}
{{- end }}
{{- with $s.openaiApiKey }}
OPENAI_API_KEY: {{ . | b64enc | quote }}
{{- end }}
{{- with $s.kafkaSaslPassword }}
AZORA_KAFKA_SASL_PASSWORD: {{ . | b64enc | quote }}
{{- end }}
{{- with $s.kafkaSslKeyPassword }}
AZORA_KAFKA_SSL_KEY_PASSWORD: {{ . | b64enc | quote }}
{{- end }}
{{- range $name, $secret := $s.oidcClientSecrets }}
{{ printf "AZORA_OIDC_PROVIDERS__%s__CLIENT_SECRET" (upper $name) }}: {{ $secret | b64enc | quote }}
{{- end }}
{{- end }}

{{/* Checksums that roll the pods when their settings change. */}}
{{- define "azora.checksums" -}}
checksum/config: {{ include "azora.configData" . | sha256sum }}
{{- if not .Values.secrets.existingSecret }}
checksum/secret: {{ include "azora.secretData" . | sha256sum }}
{{- end }}
{{- end }}

{{/* Volumes every Azora pod has: a writable /tmp (the root filesystem is read-only) and the
     certificates configured. */}}
{{- define "azora.volumes" -}}
- name: tmp
  emptyDir: {}
{{- with .Values.config.kafka.caSecret.name }}
- name: kafka-ca
  secret:
    secretName: {{ . }}
{{- end }}
{{- with .Values.config.kafka.clientCertSecret.name }}
- name: kafka-client
  secret:
    secretName: {{ . }}
{{- end }}
{{- with .Values.config.database.caSecret.name }}
- name: database-ca
  secret:
    secretName: {{ . }}
{{- end }}
{{- with .Values.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "azora.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.config.kafka.caSecret.name }}
- name: kafka-ca
  mountPath: /etc/azora/kafka-ca
  readOnly: true
{{- end }}
{{- if .Values.config.kafka.clientCertSecret.name }}
- name: kafka-client
  mountPath: /etc/azora/kafka-client
  readOnly: true
{{- end }}
{{- if .Values.config.database.caSecret.name }}
- name: database-ca
  mountPath: /etc/azora/database-ca
  readOnly: true
{{- end }}
{{- with .Values.extraVolumeMounts }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The pod spec's parts shared by every Azora pod (not the containers). */}}
{{- define "azora.podCommon" -}}
serviceAccountName: {{ include "azora.serviceAccountName" . }}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  {{- include "azora.volumes" . | nindent 2 }}
{{- end }}

{{/* A container of the Azora image: {root, name, args, configMap, secret}. */}}
{{- define "azora.container" -}}
- name: {{ .name }}
  image: {{ include "azora.image" .root }}
  imagePullPolicy: {{ .root.Values.image.pullPolicy }}
  args:
    {{- toYaml .args | nindent 4 }}
  envFrom:
    - configMapRef:
        name: {{ .configMap }}
    - secretRef:
        name: {{ .secret }}
  {{- with .root.Values.extraEnv }}
  env:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml .root.Values.securityContext | nindent 4 }}
  volumeMounts:
    {{- include "azora.volumeMounts" .root | nindent 4 }}
{{- end }}

{{/* Probes of a named port: startup and liveness on /healthz, readiness on /readyz. The
     startup probe holds the liveness probe off while the process starts (imports, the first
     connections), however long that takes up to its failure threshold. */}}
{{- define "azora.probes" -}}
startupProbe:
  httpGet:
    path: /healthz
    port: {{ .port }}
  {{- toYaml .root.Values.probes.startup | nindent 2 }}
livenessProbe:
  httpGet:
    path: /healthz
    port: {{ .port }}
  {{- toYaml .root.Values.probes.liveness | nindent 2 }}
readinessProbe:
  httpGet:
    path: /readyz
    port: {{ .port }}
  {{- toYaml .root.Values.probes.readiness | nindent 2 }}
{{- end }}

{{/* A worker Deployment (a consumer, the relay, the lag exporter):
     {root, component, args, replicas (nil: left to an autoscaler), resources, grace,
     podAnnotations, job, role}. */}}
{{- define "azora.workerDeployment" -}}
{{- $root := .root -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "azora.fullname" $root }}-{{ .component }}
  labels:
    {{- include "azora.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  {{- if not (kindIs "invalid" .replicas) }}
  replicas: {{ .replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "azora.selectorLabels" (dict "root" $root "component" .component) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "azora.selectorLabels" (dict "root" $root "component" .component) | nindent 8 }}
        {{- with $root.Values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        {{- include "azora.checksums" $root | nindent 8 }}
        {{- with .podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      {{- include "azora.podCommon" $root | nindent 6 }}
      terminationGracePeriodSeconds: {{ .grace }}
      {{- with $root.Values.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- tpl (toYaml .) $root | nindent 8 }}
      {{- end }}
      containers:
        {{- include "azora.container" (dict "root" $root "name" .component "args" .args "configMap" (include "azora.fullname" $root) "secret" (include "azora.secretName" $root)) | nindent 8 }}
          ports:
            - name: metrics
              containerPort: {{ $root.Values.metrics.port }}
              protocol: TCP
            - name: health
              containerPort: {{ $root.Values.probes.port }}
              protocol: TCP
          {{- include "azora.probes" (dict "root" $root "port" "health") | nindent 10 }}
          resources:
            {{- toYaml .resources | nindent 12 }}
---
# /metrics of {{ .component }}, for the ServiceMonitor (Prometheus job {{ .job }}).
apiVersion: v1
kind: Service
metadata:
  name: {{ include "azora.fullname" $root }}-{{ .component }}-metrics
  labels:
    {{- include "azora.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
    azora/metrics: "true"
    azora/job: {{ .job }}
    {{- with .role }}
    azora/role: {{ . }}
    {{- end }}
spec:
  type: ClusterIP
  clusterIP: None
  # A worker that is not ready (its database down) is scraped all the same: that is when
  # its metrics matter most.
  publishNotReadyAddresses: true
  selector:
    {{- include "azora.selectorLabels" (dict "root" $root "component" .component) | nindent 4 }}
  ports:
    - name: metrics
      port: {{ $root.Values.metrics.port }}
      targetPort: metrics
      protocol: TCP
{{- end }}

{{/* A PodDisruptionBudget: {root, component, pdb}. */}}
{{- define "azora.pdb" -}}
{{- if .pdb.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "azora.fullname" .root }}-{{ .component }}
  labels:
    {{- include "azora.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  maxUnavailable: {{ .pdb.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "azora.selectorLabels" (dict "root" .root "component" .component) | nindent 6 }}
{{- end }}
{{- end }}
