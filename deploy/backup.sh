#!/usr/bin/env bash
# techreg 备份：PostgreSQL 数据库（pg_dump 自定义格式）+ 密钥目录（tar），按天数清理旧备份。
#
# 以 root 运行（需要读取 /var/lib/techreg/keys，文件属主 techreg、权限 0600）。
# 数据库连接用 libpq 的标准方式：PGHOST / PGPORT / PGUSER / PGDATABASE 环境变量，
# 口令放在 ~/.pgpass（0600）或 PGPASSFILE 指向的文件中，不出现在命令行上。
# 可选配置文件 /etc/techreg/backup.env（或 BACKUP_ENV 指定）中设置以下变量。
#
#   BACKUP_DIR       备份目录                 默认 /var/backups/techreg
#   KEYS_BACKUP_DIR  密钥备份目录（建议与数据库备份分开存放）  默认 $BACKUP_DIR/keys
#   DATA_DIR         techreg 的 data_dir      默认 /var/lib/techreg
#   RETENTION_DAYS   保留天数                 默认 14
#   PG_DUMP          转储工具（KingbaseES 用其自带工具，如 sys_dump）  默认 pg_dump
#   PG_RESTORE       校验用的恢复工具          默认 pg_restore
#
# 恢复：pg_restore --clean --if-exists --no-owner -d <数据库> techreg-db-<时间>.dump
#       tar -xzf techreg-keys-<时间>.tar.gz -C /var/lib/techreg
set -euo pipefail
umask 077

BACKUP_ENV=${BACKUP_ENV:-/etc/techreg/backup.env}
if [ -r "$BACKUP_ENV" ]; then
  set -a
  # shellcheck disable=SC1090
  . "$BACKUP_ENV"
  set +a
fi

BACKUP_DIR=${BACKUP_DIR:-/var/backups/techreg}
KEYS_BACKUP_DIR=${KEYS_BACKUP_DIR:-$BACKUP_DIR/keys}
DATA_DIR=${DATA_DIR:-/var/lib/techreg}
RETENTION_DAYS=${RETENTION_DAYS:-14}
PG_DUMP=${PG_DUMP:-pg_dump}
PG_RESTORE=${PG_RESTORE:-pg_restore}

case "$RETENTION_DAYS" in
  '' | *[!0-9]*) echo "RETENTION_DAYS 必须是正整数: $RETENTION_DAYS" >&2; exit 2 ;;
esac
[ -d "$DATA_DIR/keys" ] || { echo "密钥目录不存在: $DATA_DIR/keys" >&2; exit 2; }

stamp=$(date +%Y%m%d-%H%M%S)
mkdir -p "$BACKUP_DIR" "$KEYS_BACKUP_DIR"

log() { printf '%s %s\n' "$(date '+%F %T')" "$*"; }

# 未完成的临时文件在退出时删除
tmp_files=()
cleanup() { [ ${#tmp_files[@]} -eq 0 ] || rm -f -- "${tmp_files[@]}"; }
trap cleanup EXIT

# 1. 数据库：先写临时文件，校验目录可读后再改名，避免留下不完整的备份
db_file="$BACKUP_DIR/techreg-db-$stamp.dump"
tmp_files+=("$db_file.part")
log "数据库备份 -> $db_file"
"$PG_DUMP" --format=custom --compress=6 --file="$db_file.part"
"$PG_RESTORE" --list "$db_file.part" >/dev/null
mv -- "$db_file.part" "$db_file"

# 2. 密钥目录
keys_file="$KEYS_BACKUP_DIR/techreg-keys-$stamp.tar.gz"
tmp_files+=("$keys_file.part")
log "密钥备份 -> $keys_file"
tar -C "$DATA_DIR" -czf "$keys_file.part" keys
tar -tzf "$keys_file.part" >/dev/null
mv -- "$keys_file.part" "$keys_file"

# 3. 清理超过保留天数的备份
log "清理 ${RETENTION_DAYS} 天前的备份"
find "$BACKUP_DIR" -maxdepth 1 -type f -name 'techreg-db-*.dump' -mtime +"$RETENTION_DAYS" -print -delete
find "$KEYS_BACKUP_DIR" -maxdepth 1 -type f -name 'techreg-keys-*.tar.gz' -mtime +"$RETENTION_DAYS" -print -delete

log "完成"
