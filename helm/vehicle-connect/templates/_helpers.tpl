{{/*
Chart name, truncated to the 63 characters of a DNS label.
*/}}
{{- define "vehicle-connect.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name.
*/}}
{{- define "vehicle-connect.fullname" -}}
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

{{- define "vehicle-connect.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "vehicle-connect.labels" -}}
helm.sh/chart: {{ include "vehicle-connect.chart" . }}
{{ include "vehicle-connect.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "vehicle-connect.selectorLabels" -}}
app.kubernetes.io/name: {{ include "vehicle-connect.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "vehicle-connect.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "vehicle-connect.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The Secret holding REDIS_URL, AUTH_JWT_SECRET, ENCRYPTION_KEY and provider secrets.
*/}}
{{- define "vehicle-connect.secretName" -}}
{{- default (include "vehicle-connect.fullname" .) .Values.existingSecret }}
{{- end }}
