import argparse
import tomllib

from redis import Redis
from rq import Queue, Worker


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    args = parser.parse_args()
    with open(args.config, "rb") as handle:
        config = tomllib.load(handle)
    connection = Redis.from_url(config["queue"]["url"])
    Worker([Queue(connection=connection)], connection=connection).work()


if __name__ == "__main__":
    main()
