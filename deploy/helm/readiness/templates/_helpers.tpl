{{/* Names and labels, in the shape `helm create` gives them. */}}
{{- define "readiness.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "readiness.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "readiness.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "readiness.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "readiness.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "readiness.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "readiness.selectorLabels" -}}
app.kubernetes.io/name: {{ include "readiness.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The Secret holding the private key and webhook secret(s): the user's, or the chart's. */}}
{{- define "readiness.secretName" -}}
{{- default (include "readiness.fullname" .) .Values.github.existingSecret }}
{{- end }}

{{/* True (non-empty) when jobs live in Redis, which is what lets several pods share them. */}}
{{- define "readiness.usesRedis" -}}
{{- if or .Values.redis.enabled .Values.externalRedis.url .Values.externalRedis.existingSecret }}true{{ end }}
{{- end }}

{{/* Bitnami's fullname for the Redis subchart, whose master Service is "<fullname>-master". */}}
{{- define "readiness.redisFullname" -}}
{{- if .Values.redis.fullnameOverride }}
{{- .Values.redis.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains "redis" .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-redis" .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/*
Refuse values that would deploy something broken, with one line naming the value. SQLite is one
process on one volume: a second pod would not share its jobs, so several pods need Redis.
*/}}
{{- define "readiness.validate" -}}
{{- if not .Values.github.appId }}
{{- fail "github.appId is required: the GitHub App's id" }}
{{- end }}
{{- if and (not .Values.github.existingSecret) (not (and .Values.github.privateKey .Values.github.webhookSecret)) }}
{{- fail "set github.existingSecret, or both github.privateKey and github.webhookSecret" }}
{{- end }}
{{- if and (not (include "readiness.usesRedis" .)) (gt (int .Values.replicaCount) 1) }}
{{- fail "replicaCount > 1 needs Redis (redis.enabled or externalRedis.url): SQLite serves one pod" }}
{{- end }}
{{- if and (not (include "readiness.usesRedis" .)) .Values.autoscaling.enabled }}
{{- fail "autoscaling.enabled needs Redis (redis.enabled or externalRedis.url): SQLite serves one pod" }}
{{- end }}
{{- if and .Values.autoscaling.enabled (not (dig "requests" "cpu" "" .Values.resources)) }}
{{- fail "autoscaling.enabled needs resources.requests.cpu: the HPA scales on CPU use relative to it" }}
{{- end }}
{{- if and .Values.redis.enabled (or .Values.externalRedis.url .Values.externalRedis.existingSecret) }}
{{- fail "set redis.enabled or externalRedis, not both" }}
{{- end }}
{{- if le (int .Values.terminationGracePeriodSeconds) (add (int .Values.preStopSleepSeconds) (int .Values.server.shutdownTimeoutSeconds)) }}
{{- fail "terminationGracePeriodSeconds must exceed preStopSleepSeconds + server.shutdownTimeoutSeconds, or running reviews are killed" }}
{{- end }}
{{- end }}
